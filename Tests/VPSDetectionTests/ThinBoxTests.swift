import Foundation
import VPSCheckpoint
import VPSDetection
import VPSTensor
import XCTest

/// torchvision's box-head postprocessing on inputs captured from a model
/// whose near-certain, thin, tall boxes overlap (written by
/// `scripts/make_thin_box_fixture.py`): class probabilities must come out
/// as PyTorch's softmax computes them, or NMS keeps the other box.
final class ThinBoxTests: XCTestCase {
    struct Fixture: Decodable {
        struct Expected: Decodable { var boxes: [[Float]]; var scores: [Float]; var labels: [Int] }
        var lanes: Int
        var imageSize: [Int]
        var label: Int
        var proposals: [[Float]]
        var logits: [[Float]]
        var deltas: [[Float]]
        var probabilities: [[Float]]
        var expected: Expected
        struct Paste: Decodable { var height: Int; var width: Int; var box: [Float]; var counts: [UInt32] }
        struct Pastes: Decodable { var size: Int; var probs: [Float]; var cases: [Paste] }
        var pastes: Pastes
        struct Sort: Decodable { var values: [Float?]; var indices: [Int] }
        var sorts: [Sort]
        struct BatchedNMS: Decodable { var boxes: [[Float]]; var scores: [Float]; var categories: [Int]; var keep: [Int] }
        var batchedNMS: BatchedNMS
    }

    static func fixture() throws -> Fixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/parity/thin_box.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    /// The label's probability is torchvision's to the bit, and no class is
    /// more than a unit in the last place away.
    func testSoftmaxMatchesPyTorch() throws {
        let f = try Self.fixture()
        for (row, expected) in zip(f.logits, f.probabilities) {
            var p = [Float](repeating: 0, count: row.count)
            row.withUnsafeBufferPointer { x in
                p.withUnsafeMutableBufferPointer { Softmax.lastDim(x.baseAddress!, count: row.count, into: $0.baseAddress!, lanes: f.lanes) }
            }
            XCTAssertEqual(p[f.label], expected[f.label], "class \(f.label)")
            for j in p.indices { XCTAssertEqual(p[j], expected[j], accuracy: max(expected[j].ulp, 1e-12), "class \(j)") }
        }
    }

    /// `RoIHeads.postprocess` keeps torchvision's box of the two.
    func testPostprocessKeepsTorchvisionsBox() throws {
        let f = try Self.fixture()
        let out = RoIHeads.postprocess(
            config: RoIHeadsConfig(), numClasses: f.logits[0].count, logits: f.logits.flatMap { $0 },
            deltas: f.deltas.flatMap { $0 }, proposals: f.proposals.map { Box($0[0], $0[1], $0[2], $0[3]) },
            imageSize: (h: f.imageSize[0], w: f.imageSize[1]), lanes: f.lanes)
        XCTAssertEqual(out.labels, f.expected.labels)
        XCTAssertEqual(out.scores, f.expected.scores)
        XCTAssertEqual(out.boxes.count, f.expected.boxes.count)
        for (b, e) in zip(out.boxes, f.expected.boxes) {
            for (v, w) in zip([b.x1, b.y1, b.x2, b.y2], e) { XCTAssertEqual(v, w, accuracy: 1e-3, "\(b) vs \(e)") }
        }
    }

    /// `MaskPaster` gives torchvision's `paste_masks_in_image` (> 0.5) pixel
    /// for pixel for thin, tall and border boxes, down to 0.004 px wide.
    func testPasteMatchesTorchvisionOnThinBoxes() throws {
        let p = try Self.fixture().pastes
        for c in p.cases {
            let box = Box(c.box[0], c.box[1], c.box[2], c.box[3])
            let mask = MaskPaster.paste(p.probs, size: p.size, box: box, imageHeight: c.height, imageWidth: c.width, threshold: 0.5)
            XCTAssertEqual(mask.rle.counts, c.counts, "\(box) in \(c.width)x\(c.height)")
        }
    }

    /// `TorchSort` orders equal values (and NaNs) as `torch.sort(descending=True)` does.
    func testTorchSortMatchesPyTorch() throws {
        for c in try Self.fixture().sorts {
            XCTAssertEqual(TorchSort.descendingOrder(c.values.map { $0 ?? .nan }), c.indices, "\(c.values.count) values")
        }
    }

    /// Over 1000 boxes with tied scores, `NMS.batched` keeps torchvision's
    /// boxes in torchvision's order.
    func testBatchedNMSMatchesTorchvisionWithTies() throws {
        let f = try Self.fixture().batchedNMS
        let keep = NMS.batched(f.boxes.map { Box($0[0], $0[1], $0[2], $0[3]) }, f.scores, categories: f.categories, iouThreshold: 0.5)
        XCTAssertEqual(keep, f.keep)
    }

    /// ATen's lane order on a hand-checked row: 1 followed by sixteen 2⁻²⁴.
    /// Left to right each 2⁻²⁴ rounds away against 1; in 16 lanes only the
    /// one added to lane 0 does, and the folds keep the other fifteen.
    func testVectorSumKeepsSmallTerms() {
        var x = [Float](repeating: 0x1p-24, count: 17)
        x[0] = 1
        XCTAssertEqual(Softmax.vectorSum(x, count: 17, lanes: 16), 1 + 7 * 0x1p-23)
        XCTAssertEqual(Softmax.vectorSum(x, count: 8, lanes: 16), 1, "shorter than a vector: left to right")
        XCTAssertEqual(Softmax.vectorSum([1, 2, 3, 4, 5, 6, 7, 8, 9], count: 9, lanes: 8), 45)
    }

    /// A torchvision state dict saved from `nn.BatchNorm2d` layers (it has
    /// `num_batches_tracked`) is folded with their eps, 1e-5; one without
    /// (torchvision's COCO checkpoints, FrozenBatchNorm2d) with eps 0.
    func testPthBatchNormEpsFollowsTheLayerType() {
        var d = StateDict()
        d.tensors["backbone.body.bn1.weight"] = TensorEntry(shape: [1], values: [1])
        XCTAssertEqual(TorchvisionFormat.torchvisionConfig(for: d).backbone.batchNormEps, 0)
        d.tensors["backbone.body.bn1.num_batches_tracked"] = TensorEntry(shape: [], dtype: .i64, values: [0])
        XCTAssertEqual(TorchvisionFormat.torchvisionConfig(for: d).backbone.batchNormEps, 1e-5)
    }
}
