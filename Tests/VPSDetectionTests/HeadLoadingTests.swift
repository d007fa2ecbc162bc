import Foundation
import VPSCheckpoint
import VPSCore
import VPSDetection
import XCTest

/// Loading checkpoints with and without the extra heads, and their config keys.
final class HeadLoadingTests: XCTestCase {
    /// The heads fixture's weights and config, and the same weights without head tensors.
    func weights() throws -> (HeadFixture, full: StateDict, bare: StateDict) {
        let f = try HeadFixture.load()
        let full = f.stateDict()
        var bare = full
        for name in full.names where name.hasPrefix("track_head.") || name.hasPrefix("sem_seg_head.") { bare.tensors[name] = nil }
        return (f, full, bare)
    }

    func testCheckpointWithoutHeadsGivesThingsOnly() throws {
        let (f, _, bare) = try weights()
        var config = f.config
        config.trackHead = nil
        config.semanticHead = nil
        let model = try MaskRCNN(config: config, weights: bare)
        XCTAssertFalse(model.hasTrackHead)
        XCTAssertFalse(model.hasSemanticHead)
        var image = RGBImage(width: 96, height: 64)
        for i in image.pixels.indices { image.pixels[i] = UInt8((i * 7) % 251) }
        let out = model.detect(model.features(image), scoreThreshold: 0, masks: false)
        XCTAssertNil(out.semantic)
        XCTAssertFalse(out.detections.isEmpty)
        for d in out.detections {
            let e = try XCTUnwrap(d.embedding)
            XCTAssertEqual(e.count, config.backbone.fpnChannels, "pooled fallback: one value per FPN channel")
            XCTAssertEqual(e.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-5, "pooled fallback is L2-normalised")
        }
    }

    func testDeclaredHeadMissingFromCheckpointIsNamed() throws {
        let (f, full, bare) = try weights()
        XCTAssertThrowsError(try MaskRCNN(config: f.config, weights: bare)) { error in
            guard case CheckpointError.mismatches(let m) = error else { return XCTFail("wrong error \(error)") }
            let text = m.joined(separator: "\n")
            for name in ["missing tensor track_head.fcs.0.weight [1024, 12544]", "missing tensor track_head.fcs.1.bias [1024]",
                         "missing tensor sem_seg_head.p2.0.weight [128, 256, 3, 3]", "missing tensor sem_seg_head.p4.2.norm.bias [128]",
                         "missing tensor sem_seg_head.p5.4.norm.weight [128]", "missing tensor sem_seg_head.predictor.weight [4, 128, 1, 1]"] {
                XCTAssertTrue(text.contains(name), "\(name) not reported in:\n\(text)")
            }
            XCTAssertEqual(m.count, 4 + 3 * (1 + 1 + 2 + 3) + 2, text)
        }
        // Head tensors the config does not declare are unexpected, like any other.
        var config = f.config
        config.semanticHead = nil
        XCTAssertThrowsError(try MaskRCNN(config: config, weights: full)) { error in
            guard case CheckpointError.mismatches(let m) = error else { return XCTFail("wrong error \(error)") }
            XCTAssertTrue(m.allSatisfy { $0.hasPrefix("unexpected tensor sem_seg_head.") }, m.joined(separator: "\n"))
        }
        // A head of another shape is a shape mismatch.
        var wide = f.config
        wide.trackHead?.fcDims = [1024, 512]
        XCTAssertThrowsError(try MaskRCNN(config: wide, weights: full)) { error in
            XCTAssertTrue("\(error)".contains("track_head.fcs.1.weight has shape [1024, 1024], expected [512, 1024]"), "\(error)")
        }
    }

    func testExpectedParametersListsHeadNames() throws {
        let f = try HeadFixture.load()
        let names = try MaskRCNN.expectedParameters(config: f.config).map(\.name)
        XCTAssertEqual(Set(names), Set(f.weights.params.map(\.name)))
        XCTAssertTrue(names.contains("sem_seg_head.p3.0.norm.weight") && !names.contains("sem_seg_head.p3.1.weight"))
    }

    func testHeadConfigKeys() throws {
        // A stock config plus the head keys, with the heads' settings left to their defaults.
        let stock = try MaskRCNNConfig.resnet50FPN(classNames: ["__background__", "car", "person"]).jsonString()
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(stock.utf8)) as? [String: Any])
        object["categoryIds"] = [0, 7, 4]
        object["trackHead"] = [String: Any]()
        object["semanticHead"] = ["classNames": ["things", "road", "sky"]]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let c = try MaskRCNNConfig.decode(json: json)
        XCTAssertEqual(c.trackHead, TrackHeadConfig())
        XCTAssertEqual(c.trackHead?.embeddingLength, 1024)
        XCTAssertEqual(c.semanticHead?.convDims, 128)
        XCTAssertEqual(c.semanticHead?.groupNormGroups, 32)
        XCTAssertEqual(c.categoryId(ofLabel: 1), 7)
        XCTAssertEqual(c.stuffCategoryId(ofClass: 1), 3, "without categoryIds stuff follows the thing labels")
        XCTAssertEqual(c.stuffCategoryId(ofClass: 2), 4)
        XCTAssertNoThrow(try c.validate())
        XCTAssertEqual(try MaskRCNNConfig.decode(json: try c.jsonString()), c)

        var bad = c
        bad.categoryIds = [0, 1]
        XCTAssertThrowsError(try bad.validate())
        bad = c
        bad.semanticHead?.categoryIds = [1]
        XCTAssertThrowsError(try bad.validate())
        bad = c
        bad.semanticHead?.groupNormGroups = 3
        XCTAssertThrowsError(try bad.validate())
        bad = c
        bad.semanticHead?.commonStride = 8
        XCTAssertThrowsError(try bad.validate())
        bad = c
        bad.trackHead?.fcDims = []
        XCTAssertThrowsError(try bad.validate())
    }
}
