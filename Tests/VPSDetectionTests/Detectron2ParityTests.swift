import Foundation
import TestSupport
import VPSCheckpoint
import VPSCore
import VPSDetection
import VPSFormats
import VPSTensor
import VPSPanoptic
import XCTest

/// vps against Detectron2 itself: the slim Panoptic FPN of
/// scripts/make_detectron2_fixtures.py, loaded from its committed `.pkl`,
/// on the same decoded frames.
final class Detectron2ParityTests: XCTestCase {
    struct Fixture: Decodable {
        struct Config: Decodable {
            var minSize: Int
            var maxSize: Int
            struct Combine: Decodable { var overlap: Double; var stuffArea: Int; var instanceScore: Double }
            var combine: Combine
        }
        struct Resized: Decodable { var height: Int; var width: Int; var crc32: UInt32 }
        struct Level: Decodable { var shape: [Int]; var samples: [[Double]] }
        struct Segment: Decodable { var id: Int; var isthing: Bool; var category_id: Int; var instance_id: Int? }
        struct Panoptic: Decodable { var ids: [Int]; var segments: [Segment] }
        struct Case: Decodable {
            var input: String
            var frame: Int?
            var width: Int
            var height: Int
            var crc32: UInt32
            var resized: Resized
            var fpn: [String: Level]
            var proposalCount: Int
            var proposals: [[Float]]
            var detections: [ParityFixture.Det]
            var semantic: [Int]
            var panoptic: Panoptic
        }
        struct PillowResize: Decodable { var input: String; var frame: Int?; var height: Int; var width: Int; var crc32: UInt32 }
        var pkl: String
        var config: Config
        var cases: [Case]
        var pillowResizes: [PillowResize]
    }

    static let dir = "detectron2"
    static let dataDir = "/usr/share/doc/opencv-doc/examples/data"

    static func load() throws -> (Fixture, MaskRCNN) {
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("\(dir)/panoptic_fpn_slim.json"))))
        var (weights, config) = try Detectron2Checkpoint.read(path: TestPaths.fixture("\(dir)/\(f.pkl)"))
        config.transform.minSize = f.config.minSize
        config.transform.maxSize = f.config.maxSize
        return (f, try MaskRCNN(config: config, weights: weights))
    }

    /// Row-major runs [value, count, …] expanded.
    static func expand(_ runs: [Int]) -> [Int32] {
        var out: [Int32] = []
        for i in stride(from: 0, to: runs.count - 1, by: 2) { out += [Int32](repeating: Int32(runs[i]), count: runs[i + 1]) }
        return out
    }

    func testPanopticFPNMatchesDetectron2() throws {
        let (f, model) = try Self.load()
        for c in f.cases {
            let label = "\(c.input)[\(c.frame.map(String.init) ?? "-")]"
            guard let image = try FixtureInput.read("\(Self.dataDir)/\(c.input)", frame: c.frame) else {
                XCTFail("\(c.input) is not installed (run scripts/setup)"); return
            }
            XCTAssertEqual(CRC32.of(image.pixels), c.crc32, "\(label): FFmpeg decoded different pixels than the fixture script")
            guard CRC32.of(image.pixels) == c.crc32 else { continue }
            // ResizeShortestEdge: size and Pillow's pixels.
            let size = model.transform.resizedSize(height: c.height, width: c.width)
            XCTAssertEqual([size.h, size.w], [c.resized.height, c.resized.width], "\(label): resized size")
            let small = PillowResize.resize(image, width: size.w, height: size.h)
            XCTAssertEqual(CRC32.of(small.pixels), c.resized.crc32, "\(label): Pillow resize differs")

            let out = model.forward(image)
            checkFeatures(out.features, c, label)
            checkProposals(out.proposals, c, label)
            let matches = checkDetections(out.detections, c, label)
            guard let semantic = out.semantic else { XCTFail("\(label): no semantic labels"); continue }
            let expected = Self.expand(c.semantic)
            XCTAssertEqual(expected.count, semantic.labels.count, "\(label): semantic size")
            guard expected.count == semantic.labels.count else { continue }
            let same = zip(expected, semantic.labels).filter { $0 == $1 }.count
            let semanticAgreement = Double(same) / Double(expected.count)
            XCTAssertGreaterThanOrEqual(semanticAgreement, 0.999, "\(label): semantic labels agree on \(semanticAgreement)")
            let panopticAgreement = checkPanoptic(out.detections, semantic, matches, c, f.config.combine)
            XCTAssertGreaterThanOrEqual(panopticAgreement, 0.999, "\(label): panoptic maps agree on \(panopticAgreement)")
            print("\(label): semantic labels agree on \(semanticAgreement), panoptic maps on \(panopticAgreement)")
        }
    }

    /// Pillow's own `Image.resize(BILINEAR)` output, enlarging and shrinking, one axis or both.
    func testPillowResizeIsBitExact() throws {
        let (f, _) = try Self.load()
        XCTAssertFalse(f.pillowResizes.isEmpty)
        for r in f.pillowResizes {
            guard let image = try FixtureInput.read("\(Self.dataDir)/\(r.input)", frame: r.frame) else {
                XCTFail("\(r.input) is not installed (run scripts/setup)"); return
            }
            let out = PillowResize.resize(image, width: r.width, height: r.height)
            XCTAssertEqual([out.height, out.width], [r.height, r.width])
            XCTAssertEqual(CRC32.of(out.pixels), r.crc32, "\(r.input) \(image.width)x\(image.height) → \(r.width)x\(r.height)")
        }
    }

    func checkFeatures(_ features: [Tensor], _ c: Fixture.Case, _ label: String) {
        for (i, key) in ["p2", "p3", "p4", "p5", "p6"].enumerated() {
            guard let exp = c.fpn[key] else { XCTFail("\(label): fixture lacks \(key)"); continue }
            let t = features[i]
            XCTAssertEqual(t.shape, exp.shape, "\(label): \(key) shape")
            guard t.shape == exp.shape else { continue }
            let scale = exp.samples.map { abs($0[3]) }.max() ?? 1
            let worst = exp.samples.map { s in abs(Double(t[0, Int(s[0]), Int(s[1]), Int(s[2])]) - s[3]) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-3 * max(scale, 1), "\(label): \(key) samples differ by \(worst)")
        }
    }

    func checkProposals(_ proposals: [VPSTensor.Box], _ c: Fixture.Case, _ label: String) {
        XCTAssertEqual(proposals.count, c.proposalCount, "\(label): proposal count")
        var worst: Float = 0
        for (i, e) in c.proposals.enumerated() where i < proposals.count {
            let p = proposals[i]
            worst = max(worst, abs(p.x1 - e[0]), abs(p.y1 - e[1]), abs(p.x2 - e[2]), abs(p.y2 - e[3]))
        }
        XCTAssertLessThan(worst, 0.05, "\(label): first \(c.proposals.count) proposals differ by up to \(worst) px")
    }

    /// Detectron2 class c is vps label c + 1. Returns, per expected detection, the matching vps detection.
    func checkDetections(_ dets: [Instance], _ c: Fixture.Case, _ label: String) -> [Int?] {
        XCTAssertEqual(dets.count, c.detections.count, "\(label): detection count")
        XCTAssertEqual(dets.map { $0.category - 1 }.sorted(), c.detections.map(\.label).sorted(), "\(label): labels")
        let matches = Geometry.matchOneToOne(c.detections, dets, allowed: { $0.label == $1.category - 1 },
                                             distance: { Double(Geometry.boxDistance($1.box.coordinates, $0.box)) })
        var worstBox: Float = 0, worstScore: Float = 0, worstIoU = 1.0
        for (e, match) in zip(c.detections, matches) {
            guard let j = match else { XCTFail("\(label): no detection of class \(e.label) left to match"); continue }
            worstBox = max(worstBox, Geometry.boxDistance(dets[j].box.coordinates, e.box))
            worstScore = max(worstScore, abs(Float(dets[j].score) - e.score))
            guard let mask = dets[j].mask, let expected = try? RLE(string: e.mask.counts, height: e.mask.size[0], width: e.mask.size[1]) else {
                XCTFail("\(label): missing or unreadable mask"); continue
            }
            worstIoU = min(worstIoU, Geometry.maskIoU(mask.rowMajor(), expected.rowMajorMask()))
        }
        XCTAssertLessThan(worstBox, 0.05, "\(label): box error \(worstBox) px")
        XCTAssertLessThan(worstScore, 1e-3, "\(label): score error \(worstScore)")
        XCTAssertGreaterThanOrEqual(worstIoU, 0.99, "\(label): worst mask IoU \(worstIoU)")
        print("\(label): \(dets.count) detections, worst box \(worstBox) px, score \(worstScore), mask IoU \(worstIoU)")
        return matches
    }

    /// The share of pixels on which vps's panoptic fusion (with the
    /// fixture's thresholds) and Detectron2's map name the same segment:
    /// the same matched instance, the same stuff class, or both void.
    func checkPanoptic(_ dets: [Instance], _ semantic: LabelMap, _ matches: [Int?], _ c: Fixture.Case,
                       _ t: Fixture.Config.Combine) -> Double {
        let (W, H) = (c.width, c.height)
        let fusion = PanopticFusion(overlapThreshold: t.overlap, stuffAreaThreshold: t.stuffArea, scoreThreshold: t.instanceScore)
        let trackIds = dets.indices.map { Optional($0 + 1) }
        // Things keep their labels (1…80) as categories, stuff class s becomes 100 + s.
        let stuff = semantic.labels.map { $0 == 0 ? Int32(0) : 100 + $0 }
        let frame = fusion.fuse(index: 0, width: W, height: H, instances: dets, trackIds: trackIds, stuff: stuff)
        var expectedOf = [Int: Int]()  // vps detection → expected detection
        for (i, m) in matches.enumerated() { if let m { expectedOf[m] = i } }
        // A key per pixel: 0 void, 1 + instance index, or −stuff class.
        var vpsKey = [Int32: Int]()
        for s in frame.segments {
            if s.categoryId <= 100 {
                let matched: Int = expectedOf[s.trackId - 1] ?? (100_000 + s.trackId)
                vpsKey[Int32(s.id)] = 1 + matched
            } else {
                vpsKey[Int32(s.id)] = 100 - s.categoryId
            }
        }
        var d2Key = [Int32: Int]()
        for s in c.panoptic.segments { d2Key[Int32(s.id)] = s.isthing ? 1 + (s.instance_id ?? -1) : -s.category_id }
        let expected = Self.expand(c.panoptic.ids)
        guard expected.count == frame.ids.count else { return 0 }
        var same = 0
        for p in expected.indices where (d2Key[expected[p]] ?? 0) == (vpsKey[frame.ids[p]] ?? 0) { same += 1 }
        return Double(same) / Double(expected.count)
    }
}
