import Foundation
import VPSCheckpoint
import VPSDetection
import XCTest

/// What a user sees when a checkpoint does not fit, and how a user supplies
/// the config a `.pth` lacks.
final class CheckpointFitTests: XCTestCase {
    func testForeignStateDictGetsOneShortLineWithCountsAndHint() throws {
        // torch.save({"x": tensor}) handed to vps: nothing a Mask R-CNN needs.
        let d = StateDict(tensors: ["x": TensorEntry(shape: [3], values: [0, 0, 0])])
        XCTAssertThrowsError(try MaskRCNN(config: .resnet50FPN(), weights: d)) { error in
            guard let e = error as? CheckpointError else { return XCTFail("wrong error \(error)") }
            let line = e.reason
            XCTAssertFalse(line.contains("\n"))
            XCTAssertLessThan(line.count, 400, line)
            XCTAssertTrue(line.contains("307 missing (backbone.body.conv1.weight, backbone.body.bn1.weight, backbone.body.bn1.bias, …)"), line)
            XCTAssertTrue(line.contains("1 unexpected (x)"), line)
            XCTAssertTrue(line.contains("not a torchvision Mask R-CNN checkpoint"), line)
        }
    }

    func testClassCountMismatchIsNamedAndHinted() throws {
        let f = try ParityFixture.load("r18_fpn")
        var config = f.config
        config.classNames.append("extra")
        XCTAssertThrowsError(try MaskRCNN(config: config, weights: f.stateDict())) { error in
            let line = (error as? CheckpointError)?.reason ?? ""
            XCTAssertTrue(line.hasPrefix("does not fit the model config: 6 of another shape or dtype (roi_heads.box_predictor.cls_score.weight,"), line)
            XCTAssertTrue(line.contains("number of classes differs"), line)
        }
    }

    func testModelConfigFileMergesOverTheBase() throws {
        let path = NSTemporaryDirectory() + "vps-model-config-\(getpid()).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #"{"backbone": {"batchNormEps": 1e-5}, "classNames": ["__background__", "a", "b"], "rpn": {"postNMSTopN": 300}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let merged = try MaskRCNNConfig.resnet50FPN().merging(jsonFile: path)
        var expected = MaskRCNNConfig.resnet50FPN(classNames: ["__background__", "a", "b"])
        expected.backbone.batchNormEps = 1e-5
        expected.rpn.postNMSTopN = 300
        XCTAssertEqual(merged, expected)
    }

    func testModelConfigFileRefusesUnknownKeysAndBadValues() throws {
        let path = NSTemporaryDirectory() + "vps-model-config-bad-\(getpid()).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        for (text, message) in [
            (#"{"backbone": {"batchNormEps": 1e-5, "bnEps": 0}}"#, "unknown key 'backbone.bnEps'"),
            (#"{"clasNames": []}"#, "unknown key 'clasNames'"),
            (#"{"backbone": {"layers": "many"}}"#, "backbone.layers"),
            (#"{"classNames": ["only background"]}"#, "classNames needs the background and at least one class"),
            (#"[1, 2]"#, "is not a JSON object"),
        ] {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try MaskRCNNConfig.resnet50FPN().merging(jsonFile: path), text) { error in
                let s = "\(error)"
                XCTAssertTrue(s.contains(message) && !s.contains("\n"), "\(text): \(s)")
            }
        }
    }
}
