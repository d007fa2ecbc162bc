import XCTest
import Foundation
import VPSTensor
import TestSupport

/// The vectorised, plane-major RoIAlign against a line-by-line transcription
/// of torchvision's CPU kernel (`Naive.roiAlign`): the values must be equal,
/// not merely close, because only the loop structure differs.
final class RoIAlignReferenceTests: XCTestCase {
    /// Random boxes over a 3-level pyramid, some partly or wholly outside the
    /// map, tiny and huge; channels not a multiple of 8 (a partial NHWC chunk)
    /// and a multiple of 8; fixed and adaptive sampling.
    func testMultiScaleMatchesTorchvisionKernelExactly() {
        var rng = TestRNG(state: 21)
        let image = (h: 96, w: 128)
        for c in [13, 16] {
            // Strides 4, 8, 16 (scales 1/4, 1/8, 1/16).
            let sizes = [(24, 32), (12, 16), (6, 8)]
            let nchw = sizes.map { s in rng.array(c * s.0 * s.1) }
            var boxes: [Box] = []
            for k in 0..<40 {
                let x = (rng.next() + 0.8) * 80, y = (rng.next() + 0.8) * 60
                let bw = (rng.next() + 1.05) * Float([6, 30, 90][k % 3]), bh = (rng.next() + 1.05) * Float([8, 25, 70][k % 3])
                boxes.append(Box(x, y, x + bw, y + bh))
            }
            boxes += [Box(-30, -20, -5, -2), Box(120, 90, 160, 130), Box(0, 0, 128, 96), Box(10, 10, 10.2, 10.1)]
            for sampling in [2, 0] {
                let pool = MultiScaleRoIAlign(outputSize: 5, samplingRatio: sampling)
                let lv = pool.levels(for: boxes, kMin: 2, kMax: 4)
                var want: [Float] = []
                for (i, b) in boxes.enumerated() {
                    let (h, w) = sizes[lv[i]]
                    want += Naive.roiAlign(nchw[lv[i]], c: c, h: h, w: w, box: (b.x1, b.y1, b.x2, b.y2),
                                           spatialScale: 1 / Float(4 << lv[i]), pooled: 5,
                                           samplingRatio: sampling, aligned: false)
                }
                for feature in [TensorLayout.nhwc, .blocked8] {
                    let levels = zip(sizes, nchw).map { s, v in
                        Tensor(shape: [1, c, s.0, s.1], layout: .nchw, values: v).converted(to: feature)
                    }
                    for out in [TensorLayout.nchw, .nhwc, .blocked8] {
                        let got = pool(levels, boxes: boxes, imageSize: image, layout: out).converted(to: .nchw)
                        XCTAssertEqual(got.array, want, "C \(c), sampling \(sampling), features \(feature), output \(out)")
                    }
                    let flat = pool(levels, boxes: boxes, imageSize: image, layout: .matrix)
                    XCTAssertEqual(flat.shape, [boxes.count, c * 25])
                    XCTAssertEqual(flat.array, want, "C \(c), sampling \(sampling), features \(feature), matrix rows")
                }
            }
        }
    }

    /// The single-box entry point agrees with the kernel too (aligned and not).
    func testSingleBoxMatchesTorchvisionKernelExactly() {
        var rng = TestRNG(state: 22)
        let (c, h, w) = (11, 9, 14)
        let v = rng.array(c * h * w)
        let f = Tensor(shape: [1, c, h, w], layout: .nchw, values: v).converted(to: .blocked8)
        for aligned in [false, true] {
            for box in [Box(1.3, 0.7, 11.9, 8.2), Box(-2, -1, 3, 20), Box(5, 5, 5.5, 5.25)] {
                var out = [Float](repeating: 0, count: c * 16)
                out.withUnsafeMutableBufferPointer { o in
                    RoIAlign.pool(f, batch: 0, box: box, spatialScale: 0.9, outputSize: 4, samplingRatio: 3,
                                  aligned: aligned, layout: .nchw, into: o.baseAddress!)
                }
                let want = Naive.roiAlign(v, c: c, h: h, w: w, box: (box.x1, box.y1, box.x2, box.y2), spatialScale: 0.9,
                                          pooled: 4, samplingRatio: 3, aligned: aligned)
                XCTAssertEqual(out, want, "box \(box), aligned \(aligned)")
            }
        }
    }
}
