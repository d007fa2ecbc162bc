import VPSCheckpoint
import VPSDetection
import VPSTensor
import XCTest
import TestSupport

/// `MaskPredictor` (1×1 convolution to sub-pixel channels, label-only
/// logits read without a pixel shuffle) against torchvision's definition
/// computed naively: ConvTranspose2d(c, c, 2, stride 2) + ReLU, the 1×1
/// logits of every class, then the sigmoid of the label's channel.
final class MaskPredictorTests: XCTestCase {
    func testMatchesTransposedConvolutionThenLogits() {
        // c = 16: the vectorised path (whole 8-channel blocks); c = 6: the scalar one.
        for c in [16, 6] {
            var rng = TestRNG(state: 77 + UInt64(c))
            func rand() -> Float { rng.next() }
            let (classes, n, h, w) = (5, 3, 4, 3)
            let up = (0..<(c * c * 4)).map { _ in rand() }, upBias = (0..<c).map { _ in rand() * 0.1 }
            let logit = (0..<(classes * c)).map { _ in rand() }, logitBias = (0..<classes).map { _ in rand() }
            var d = StateDict()
            d.tensors["p.conv5_mask.weight"] = TensorEntry(shape: [c, c, 2, 2], values: up)
            d.tensors["p.conv5_mask.bias"] = TensorEntry(shape: [c], values: upBias)
            d.tensors["p.mask_fcn_logits.weight"] = TensorEntry(shape: [classes, c, 1, 1], values: logit)
            d.tensors["p.mask_fcn_logits.bias"] = TensorEntry(shape: [classes], values: logitBias)
            let reader = ParameterReader(d, batchNormEps: 0)
            let predictor = MaskPredictor(channels: c, numClasses: classes, reader: reader, prefix: "p")
            XCTAssertNoThrow(try reader.finish())
            let x = (0..<(n * c * h * w)).map { _ in rand() }  // NCHW
            let labels = [3, 0, 4]
            let got = predictor.probabilities(Tensor(shape: [n, c, h, w], layout: .nchw, values: x).converted(to: .blocked8),
                                              labels: labels)
            XCTAssertEqual(got.count, n)
            for i in 0..<n {
                let L = labels[i]
                var worst: Double = 0
                for oy in 0..<(2 * h) {
                    for ox in 0..<(2 * w) {
                        let (y, ky, xx, kx) = (oy / 2, oy % 2, ox / 2, ox % 2)
                        var z = Double(logitBias[L])
                        for o in 0..<c {
                            // out[o, 2y+ky, 2x+kx] = relu(b[o] + Σᵢ in[i, y, x]·W[i, o, ky, kx])
                            var u = Double(upBias[o])
                            for ci in 0..<c {
                                u += Double(x[((i * c + ci) * h + y) * w + xx]) * Double(up[((ci * c + o) * 2 + ky) * 2 + kx])
                            }
                            z += Double(logit[L * c + o]) * max(u, 0)
                        }
                        let want = 1 / (1 + exp(-z))
                        worst = max(worst, abs(Double(got[i][oy * 2 * w + ox]) - want))
                    }
                }
                XCTAssertLessThan(worst, 1e-5, "c \(c), box \(i)")
            }
        }
    }
}
