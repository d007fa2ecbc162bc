import Foundation
import VPSCheckpoint
import VPSCore
import VPSDetection
import VPSTensor
import XCTest
import TestSupport

/// Mask R-CNN against torchvision, on fixtures from scripts/make_parity_fixtures.py.
final class ParityTests: XCTestCase {
    func testSeededGeneratorMatchesScript() throws {
        for name in ["r18_fpn", "r50_fpn"] {
            let f = try ParityFixture.load(name)
            XCTAssertEqual(f.weights.generator, "splitmix64-fnv1a64")
            XCTAssertGreaterThan(f.weights.checks.count, 0, name)
            XCTAssertEqual(SeededChecks.mismatches(seed: f.weights.seed, params: f.weights.params, checks: f.weights.checks), [], name)
        }
    }

    func testR18FPN() throws { try runFixture("r18_fpn") }
    func testR50FPN() throws { try runFixture("r50_fpn") }

    func runFixture(_ name: String) throws {
        let f = try ParityFixture.load(name)
        let model = try MaskRCNN(config: f.config, weights: f.stateDict())
        for c in f.cases {
            let label = "\(name) \((c.input as NSString).lastPathComponent)[\(c.frame.map(String.init) ?? "-")]"
            guard let decoded = try FixtureInput.read(c.input, frame: c.frame) else {
                XCTFail("\(c.input) is not installed (run scripts/setup)")
                return
            }
            let bytes = decoded.pixels
            // A decode mismatch is reported as such, before any model output.
            XCTAssertEqual(bytes.count, c.width * c.height * 3, "\(label): decoded size")
            XCTAssertEqual(CRC32.of(bytes), c.crc32, "\(label): FFmpeg decoded different pixels than the fixture script")
            guard bytes.count == c.width * c.height * 3, CRC32.of(bytes) == c.crc32 else { continue }
            let out = model.forward(decoded)
            XCTAssertEqual([out.resizedSize.h, out.resizedSize.w], c.transformedSize, "\(label): resized size")
            XCTAssertEqual([out.paddedSize.h, out.paddedSize.w], c.paddedSize, "\(label): padded size")
            checkFeatures(out.features, c, label)
            checkProposals(out.proposals, c, label)
            checkDetections(out.detections, c, label)
        }
    }

    func checkFeatures(_ features: [Tensor], _ c: ParityFixture.Case, _ label: String) {
        for (i, key) in ["0", "1", "2", "3", "pool"].enumerated() {
            guard let exp = c.fpn[key] else { XCTFail("\(label): fixture lacks FPN level \(key)"); continue }
            let t = features[i]
            XCTAssertEqual(t.shape, exp.shape, "\(label): FPN \(key) shape")
            guard t.shape == exp.shape else { continue }
            var worst = 0.0
            for s in exp.samples {
                let v = Double(t[0, Int(s[0]), Int(s[1]), Int(s[2])])
                worst = max(worst, abs(v - s[3]))
            }
            var sum = 0.0
            for j in 0..<t.count { sum += Double(abs(t.data[j])) }
            let meanAbs = sum / Double(t.count)
            XCTAssertLessThan(worst, 1e-3 * exp.meanAbs, "\(label): FPN \(key) samples differ (mean |x| \(exp.meanAbs))")
            XCTAssertEqual(meanAbs, exp.meanAbs, accuracy: 1e-4 * exp.meanAbs, "\(label): FPN \(key) mean |x|")
        }
    }

    func checkProposals(_ proposals: [VPSTensor.Box], _ c: ParityFixture.Case, _ label: String) {
        XCTAssertEqual(proposals.count, c.proposalCount, "\(label): proposal count")
        var worst: Float = 0
        for (i, e) in c.proposals.enumerated() where i < proposals.count {
            let p = proposals[i]
            worst = max(worst, abs(p.x1 - e[0]), abs(p.y1 - e[1]), abs(p.x2 - e[2]), abs(p.y2 - e[3]))
        }
        XCTAssertLessThan(worst, 0.05, "\(label): first \(c.proposals.count) RPN proposals differ by up to \(worst) px")
    }

    func checkDetections(_ dets: [Instance], _ c: ParityFixture.Case, _ label: String) {
        XCTAssertEqual(dets.count, c.detections.count, "\(label): detection count")
        XCTAssertEqual(dets.map(\.category).sorted(), c.detections.map(\.label).sorted(), "\(label): labels")
        // Match each expected detection to the unused one of the same label whose box is closest;
        // detections with nearly equal scores may legitimately swap ranks.
        let matches = Geometry.matchOneToOne(c.detections, dets, allowed: { $0.label == $1.category },
                                             distance: { Double(Geometry.boxDistance($1.box.coordinates, $0.box)) })
        var worstBox: Float = 0, worstScore: Float = 0, worstIoU = 1.0
        for (e, match) in zip(c.detections, matches) {
            guard let j = match else {
                XCTFail("\(label): no detection of label \(e.label) left to match"); continue
            }
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
    }
}

extension VPSCore.Box {
    /// (x1, y1, x2, y2), as the fixtures hold them.
    var coordinates: [Float] { [Float(x1), Float(y1), Float(x2), Float(y2)] }
}
