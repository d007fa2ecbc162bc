import XCTest
import Foundation
import VPSTensor
import TestSupport

final class OpsTests: XCTestCase {
    func testNearestUpsample() {
        let x = nhwc([1, 2, 3, 4, 5, 6], [1, 1, 2, 3])
        let y = Resize.nearest(x, height: 4, width: 6)
        XCTAssertEqual(y.converted(to: .nchw).array,
                       [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6])
        // Non-integer ratio: index = floor(o * in/out).
        XCTAssertEqual((0..<5).map { Resize.nearestIndex($0, input: 3, output: 5) }, [0, 0, 1, 1, 2])
    }

    func testBilinearMatchesTorchRules() {
        // torch.nn.functional.interpolate(torch.tensor([[[[0.,1.,2.,3.]]]]), size=(1,8),
        // mode="bilinear", align_corners=False) = [0, .25, .75, 1.25, 1.75, 2.25, 2.75, 3]
        var out = [Float](repeating: 0, count: 8)
        let src: [Float] = [0, 1, 2, 3]
        src.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { d in
            Resize.bilinearPlanar(s.baseAddress!, planes: 1, inH: 1, inW: 4, outH: 1, outW: 8, into: d.baseAddress!)
        } }
        XCTAssertEqual(out, [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3])
        // Downscale 4 → 2: samples at 0.5 and 2.5.
        var half = [Float](repeating: 0, count: 2)
        src.withUnsafeBufferPointer { s in half.withUnsafeMutableBufferPointer { d in
            Resize.bilinearPlanar(s.baseAddress!, planes: 1, inH: 1, inW: 4, outH: 1, outW: 2, into: d.baseAddress!)
        } }
        XCTAssertEqual(half, [0.5, 2.5])
    }

    func testRoIAlignHandCase() {
        // 1 channel, 4×4 ramp f(y, x) = 10y + x. Bilinear sampling of a linear
        // function is exact inside the map, so each bin equals f at its centre.
        var v = [Float]()
        for y in 0..<4 { for x in 0..<4 { v.append(Float(10 * y + x)) } }
        let f = nhwc(v, [1, 1, 4, 4])
        var out = [Float](repeating: 0, count: 4)
        out.withUnsafeMutableBufferPointer { o in
            RoIAlign.pool(f, batch: 0, box: Box(0, 0, 2, 2), spatialScale: 1, outputSize: 2, samplingRatio: 2,
                          aligned: false, layout: .nchw, into: o.baseAddress!)
        }
        // Bin (0,0) samples at 0.25 and 0.75 → mean 0.5 → f = 5.5.
        XCTAssertEqual(out, [5.5, 6.5, 15.5, 16.5])
        // Samples beyond the map clamp to the edge; beyond −1 they count as zero.
        out.withUnsafeMutableBufferPointer { o in
            RoIAlign.pool(f, batch: 0, box: Box(-4, 3, -2, 5), spatialScale: 1, outputSize: 2, samplingRatio: 2,
                          aligned: false, layout: .nchw, into: o.baseAddress!)
        }
        // x samples at −3.75, −3.25 (zero) for pw = 0 and −2.75, −2.25 for pw = 1: all outside.
        XCTAssertEqual(out, [0, 0, 0, 0])
        out.withUnsafeMutableBufferPointer { o in
            RoIAlign.pool(f, batch: 0, box: Box(2.5, 2.5, 4.5, 4.5), spatialScale: 1, outputSize: 2, samplingRatio: 2,
                          aligned: false, layout: .nchw, into: o.baseAddress!)
        }
        // Bin (1,1) samples at 3.75 and 4.25 in both axes: 3.75 clamps to index 3
        // (f = 33); 4.25 lies beyond the map (> 4) and counts as zero.
        XCTAssertEqual(out[3], 33.0 / 4, accuracy: 1e-6)
        // Bin (0,0) samples at 2.75 (interpolated) and 3.25 (clamped to 3) in both axes.
        XCTAssertEqual(out[0], (27.5 + 2.75 + 27.5 + 3 + 30 + 2.75 + 30 + 3) / 4, accuracy: 1e-5)
    }

    func testLevelMapper() {
        let m = MultiScaleRoIAlign(outputSize: 7, samplingRatio: 2)
        // √area = 224 → level 4 (index 2 of 2…5); 112 → 3; 10 → clamped to 2; 2000 → 5.
        let boxes = [Box(0, 0, 224, 224), Box(0, 0, 112, 112), Box(0, 0, 10, 10), Box(0, 0, 2000, 2000)]
        XCTAssertEqual(m.levels(for: boxes, kMin: 2, kMax: 5), [2, 1, 0, 3])
        XCTAssertEqual(MultiScaleRoIAlign.inferScale(feature: 200, image: 800), 0.25)
        XCTAssertEqual(MultiScaleRoIAlign.inferScale(feature: 25, image: 797), 1.0 / 32)
    }

    func testBoxCoderRoundTrip() {
        let coder = BoxCoder(weights: [10, 10, 5, 5])
        let ref = Box(10, 20, 50, 100), target = Box(12, 18, 61, 90)
        let d = coder.encode(target, reference: ref)
        let back = coder.decode(d.0, d.1, d.2, d.3, reference: ref)
        XCTAssertEqual(back.x1, target.x1, accuracy: 1e-4)
        XCTAssertEqual(back.y2, target.y2, accuracy: 1e-4)
        // dw is clamped at log(1000/16): a huge delta cannot blow up.
        let big = coder.decode(0, 0, 1000, 0, reference: ref)
        XCTAssertEqual(big.width, 40 * 1000 / 16, accuracy: 0.1)
        XCTAssertEqual(Box(-5, 3, 700, 900).clipped(height: 600, width: 640), Box(0, 3, 640, 600))
    }

    func testNMS() {
        let boxes = [Box(0, 0, 10, 10), Box(1, 1, 11, 11), Box(20, 20, 30, 30), Box(0, 0, 10, 10.5)]
        let scores: [Float] = [0.9, 0.8, 0.7, 0.95]
        // IoU(0,1) = 81/119 ≈ 0.68; IoU(3,0) = 100/105; IoU(3,1) = 85.5/119.5 ≈ 0.716.
        XCTAssertEqual(NMS.nms(boxes, scores, iouThreshold: 0.5), [3, 2])
        XCTAssertEqual(NMS.nms(boxes, scores, iouThreshold: 0.72), [3, 1, 2])
        XCTAssertEqual(NMS.nms(boxes, scores, iouThreshold: 0.71), [3, 2])
        // Boxes in different categories never suppress each other.
        XCTAssertEqual(NMS.batched(boxes, scores, categories: [0, 1, 0, 0], iouThreshold: 0.5), [3, 1, 2])
        // The large-count path (per-category loop) agrees with the offset path.
        var rng = TestRNG(state: 9)
        var many: [Box] = [], sc: [Float] = [], cat: [Int] = []
        for i in 0..<1500 {
            let x = (rng.next() + 1) * 200, y = (rng.next() + 1) * 200
            many.append(Box(x, y, x + 20 + rng.next() * 10, y + 20 + rng.next() * 10))
            sc.append(rng.next()); cat.append(i % 3)
        }
        let loop = NMS.batched(many, sc, categories: cat, iouThreshold: 0.5)
        let first = Array(0..<900)
        let offset = NMS.batched(first.map { many[$0] }, first.map { sc[$0] }, categories: first.map { cat[$0] }, iouThreshold: 0.5)
        var perCat: [Int] = []
        for c in 0..<3 {
            let idx = first.filter { cat[$0] == c }
            perCat += NMS.nms(idx.map { many[$0] }, idx.map { sc[$0] }, iouThreshold: 0.5).map { idx[$0] }
        }
        XCTAssertEqual(Set(offset), Set(perCat))
        // The 1,500-box path (parallel, per category: the one the RoI heads take)
        // keeps exactly the boxes of the textbook algorithm, in descending score order.
        let naive = naiveBatchedNMS(many, sc, categories: cat, iouThreshold: 0.5)
        XCTAssertGreaterThan(naive.count, 100)
        XCTAssertLessThan(naive.count, 1500)
        XCTAssertEqual(loop, naive)
    }
}

final class LayoutTests: XCTestCase {
    /// MultiScaleRoIAlign gives the same values whatever the feature and output layouts.
    func testRoIAlignAgreesAcrossLayouts() {
        var rng = TestRNG(state: 11)
        let (c, h, w) = (20, 9, 13)
        let values = rng.array(c * h * w)
        let nchw = Tensor(shape: [1, c, h, w], layout: .nchw, values: values)
        let boxes = [Box(1, 2, 30, 20), Box(-3, 5, 10, 40), Box(0, 0, 52, 36)]
        let pool = MultiScaleRoIAlign(outputSize: 5, samplingRatio: 2)
        let ref = pool([nchw.converted(to: .nhwc)], boxes: boxes, imageSize: (36, 52), layout: .nchw)
        for feature in [TensorLayout.nhwc, .blocked8] {
            for out in [TensorLayout.nchw, .nhwc, .blocked8] {
                let got = pool([nchw.converted(to: feature)], boxes: boxes, imageSize: (36, 52), layout: out)
                XCTAssertEqual(got.converted(to: .nchw).array, ref.array, "features \(feature), output \(out)")
            }
        }
    }

    /// Convolutions read and write every 4-D layout alike.
    func testConvAcrossLayouts() {
        var rng = TestRNG(state: 12)
        let (c, o, h, w) = (12, 10, 7, 6)
        let x = Tensor(shape: [2, c, h, w], layout: .nchw, values: rng.array(2 * c * h * w))
        let wt = rng.array(o * c * 9), b = rng.array(o)
        var outputs: [[Float]] = []
        for out in [TensorLayout.nhwc, .blocked8] {
            let conv = Conv2d(inChannels: c, outChannels: o, kernel: 3, padding: 1, relu: true, outputLayout: out, weight: wt, bias: b)
            for input in [TensorLayout.nhwc, .blocked8] where input == out {
                outputs.append(conv(x.converted(to: input)).converted(to: .nchw).array)
            }
        }
        XCTAssertLessThan(maxAbsDiff(outputs[0], outputs[1]), 1e-5)
        let up = Resize.nearest(x.converted(to: .blocked8), height: 14, width: 12).converted(to: .nchw)
        let upRef = Resize.nearest(x.converted(to: .nhwc), height: 14, width: 12).converted(to: .nchw)
        XCTAssertEqual(up.array, upRef.array)
        XCTAssertEqual(up[1, 11, 13, 11], x[1, 11, 6, 5])
    }
}

final class SelectionTests: XCTestCase {
    /// TopK gives the prefix of a stable descending sort, ties included.
    func testTopKMatchesStableSort() {
        var rng = TestRNG(state: 31)
        // Values on a coarse grid so that many are equal.
        let values = (0..<5000).map { _ in (rng.next() * 20).rounded() }
        let sorted = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
        for k in [0, 1, 7, 1000, 4999, 5000, 6000] {
            let got = values.withUnsafeBufferPointer { TopK.indices($0.baseAddress!, count: values.count, k: k) }
            XCTAssertEqual(got, Array(sorted.prefix(k)), "k \(k)")
        }
    }

    /// The vectorised NMS keeps exactly what torchvision's loop keeps.
    func testNMSMatchesTorchvisionLoop() {
        var rng = TestRNG(state: 32)
        var boxes: [Box] = [], scores: [Float] = []
        for _ in 0..<1203 {
            let x = (rng.next() + 1) * 60, y = (rng.next() + 1) * 40
            boxes.append(Box(x, y, x + 5 + (rng.next() + 1) * 30, y + 5 + (rng.next() + 1) * 20))
            scores.append((rng.next() * 50).rounded() / 50)  // ties
        }
        for thr: Float in [0.3, 0.5, 0.7] {
            // torchvision's nms_kernel_impl, scalar.
            let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
            var suppressed = [Bool](repeating: false, count: boxes.count)
            var keep: [Int] = []
            for (a, i) in order.enumerated() where !suppressed[i] {
                keep.append(i)
                for j in order[(a + 1)...] where !suppressed[j] {
                    let xx1 = max(boxes[i].x1, boxes[j].x1), yy1 = max(boxes[i].y1, boxes[j].y1)
                    let xx2 = min(boxes[i].x2, boxes[j].x2), yy2 = min(boxes[i].y2, boxes[j].y2)
                    let inter = max(0, xx2 - xx1) * max(0, yy2 - yy1)
                    if inter / (boxes[i].area + boxes[j].area - inter) > thr { suppressed[j] = true }
                }
            }
            XCTAssertEqual(NMS.nms(boxes, scores, iouThreshold: thr), keep, "threshold \(thr)")
        }
    }
}
