import Foundation
import VPSTensor

/// torchvision's `MaskRCNNPredictor` followed by the test-time selection of
/// `maskrcnn_inference`: `ConvTranspose2d(c, c, 2, stride=2)` + ReLU, the
/// 1×1 `mask_fcn_logits` convolution, then the sigmoid of each box's own
/// class channel.
///
/// - The transposed convolution runs as a 1×1 convolution to 4c channels on
///   oneDNN (one channel per output sub-pixel and input channel:
///   `out[o, 2y+ky, 2x+kx] = relu(b[o] + Σᵢ in[i, y, x]·W[i, o, ky, kx])`,
///   the same sums as the transposed convolution). Its output channels are
///   ordered sub-pixel first (q = t·c + o, t = 2·ky + kx), so every 8-channel
///   block of the `.blocked8` result belongs to one sub-pixel.
/// - The logits are computed for the box's label only, straight from that
///   result (no pixel shuffle): `logit = b[L] + Σₒ Wₗ[L, o]·up[o]`. torchvision
///   computes all classes and keeps this one, so the values are the same up
///   to Float32 summation order (the 8 lanes are summed at the end).
public struct MaskPredictor {
    let up: Conv2d
    /// Input (and transposed-convolution output) channels.
    let channels: Int
    let numClasses: Int
    /// `mask_fcn_logits` weights, `[numClasses, channels]` row-major, and bias.
    let logitWeight: [Float]
    let logitBias: [Float]

    /// Reads `{prefix}.conv5_mask.{weight,bias}` and `{prefix}.mask_fcn_logits.{weight,bias}`.
    public init(channels c: Int, numClasses: Int, reader r: ParameterReader,
         prefix: String = "roi_heads.mask_predictor") {
        channels = c
        self.numClasses = numClasses
        let w = r.take(prefix + ".conv5_mask.weight", [c, c, 2, 2])  // IOHW
        let b = r.take(prefix + ".conv5_mask.bias", [c])
        var w1 = [Float](repeating: 0, count: 4 * c * c)
        var b1 = [Float](repeating: 0, count: 4 * c)
        for t in 0..<4 {
            for o in 0..<c {
                b1[t * c + o] = b[o]
                for i in 0..<c { w1[(t * c + o) * c + i] = w[(i * c + o) * 4 + t] }
            }
        }
        up = Conv2d(inChannels: c, outChannels: 4 * c, kernel: 1, relu: true, weight: w1, bias: b1)
        logitWeight = r.take(prefix + ".mask_fcn_logits.weight", [numClasses, c, 1, 1])
        logitBias = r.take(prefix + ".mask_fcn_logits.bias", [numClasses])
    }

    /// Mask probabilities for box i of `x` (`[K, c, H, W]`, `.blocked8`, the
    /// mask head's output) and class `labels[i]`: one `2H × 2W` row-major map
    /// per label (boxes beyond `labels.count` are ignored).
    public func probabilities(_ x: Tensor, labels: [Int]) -> [[Float]] {
        let z = up(x)
        precondition(z.layout == .blocked8)
        let (H, W, c) = (x.h, x.w, channels)
        let M = 2 * W, hw = H * W
        var out = [[Float]](repeating: [], count: labels.count)
        // Channel blocks of 8 fit a sub-pixel exactly only when c is a multiple of 8.
        let vectorised = c % 8 == 0
        out.withUnsafeMutableBufferPointer { res in
            DispatchQueue.concurrentPerform(iterations: labels.count) { i in
                let label = labels[i]
                var m = [Float](repeating: 0, count: 4 * hw)
                let wrow = logitWeight.withUnsafeBufferPointer { $0.baseAddress! + label * c }
                let bias = logitBias[label]
                let blocks = (4 * c + 7) / 8
                let box = z.data + i * blocks * hw * 8
                withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: hw) { acc in
                    for t in 0..<4 {
                        let ky = t >> 1, kx = t & 1
                        var logits = [Float](repeating: 0, count: hw)
                        if vectorised {
                            for p in 0..<hw { acc[p] = SIMD8() }
                            for ob in 0..<(c / 8) {
                                let wv = UnsafeRawPointer(wrow + ob * 8).loadUnaligned(as: SIMD8<Float>.self)
                                let src = UnsafeRawPointer(box + (t * (c / 8) + ob) * hw * 8)
                                for p in 0..<hw {
                                    acc[p] += src.loadUnaligned(fromByteOffset: p * 32, as: SIMD8<Float>.self) * wv
                                }
                            }
                            for p in 0..<hw { logits[p] = acc[p].sum() + bias }
                        } else {
                            for p in 0..<hw {
                                var s: Float = 0
                                for o in 0..<c {
                                    let q = t * c + o
                                    s += wrow[o] * box[((q >> 3) * hw + p) * 8 + (q & 7)]
                                }
                                logits[p] = s + bias
                            }
                        }
                        for y in 0..<H {
                            for xx in 0..<W {
                                m[(2 * y + ky) * M + 2 * xx + kx] = 1 / (1 + exp(-logits[y * W + xx]))
                            }
                        }
                    }
                }
                res[i] = m
            }
        }
        return out
    }
}
