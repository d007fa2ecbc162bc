import Foundation

/// torch `nn.GroupNorm` at inference, optionally followed by ReLU, applied in
/// place to an NHWC or `.blocked8` tensor (the layouts oneDNN convolutions
/// write, so the surrounding convolutions never see a layout change).
///
/// For each image and group of `C / groups` consecutive channels:
/// y = (x − mean)·γ/√(var + eps) + β, with the biased variance over the
/// group's channels and all pixels. Statistics are accumulated in Double.
public struct GroupNorm: Sendable {
    public let groups: Int
    public let channels: Int
    public let eps: Float
    /// ReLU after the affine transform (Detectron2's `Conv2d(norm=GN, activation=relu)`).
    public let relu: Bool
    let gamma: [Float]
    let beta: [Float]

    /// - Parameters:
    ///   - weight: γ, `channels` values. - bias: β, `channels` values.
    public init(groups: Int, channels: Int, eps: Float = 1e-5, relu: Bool = false, weight: [Float], bias: [Float]) {
        precondition(groups >= 1 && channels % groups == 0, "GroupNorm: \(channels) channels do not split into \(groups) groups")
        precondition(weight.count == channels && bias.count == channels, "GroupNorm needs \(channels) weights and biases")
        self.groups = groups; self.channels = channels; self.eps = eps; self.relu = relu
        gamma = weight; beta = bias
    }

    /// Normalises `x` (`[N, channels, H, W]`, NHWC or `.blocked8`) in place.
    public func apply(to x: Tensor) {
        precondition(x.layout == .nhwc || x.layout == .blocked8, "GroupNorm works on NHWC or blocked tensors")
        precondition(x.c == channels, "GroupNorm expects \(channels) channels, got \(x.c)")
        // Both layouts are, per image, `planes` images of H·W pixels with `lanes` channels each.
        let blocked = x.layout == .blocked8
        let lanes = blocked ? 8 : channels, planes = blocked ? (channels + 7) / 8 : 1
        let hw = x.h * x.w, perGroup = channels / groups
        let count = Double(perGroup * hw)
        for n in 0..<x.n {
            let image = x.data + n * planes * hw * lanes
            // Per-channel sums and sums of squares, one plane per task.
            var sums = [Double](repeating: 0, count: planes * lanes), squares = sums
            sums.withUnsafeMutableBufferPointer { s in squares.withUnsafeMutableBufferPointer { q in
                let sp = s.baseAddress!, qp = q.baseAddress!
                DispatchQueue.concurrentPerform(iterations: planes) { p in
                    let base = image + p * hw * lanes
                    var ls = [Double](repeating: 0, count: lanes), lq = ls
                    for i in 0..<hw {
                        let px = base + i * lanes
                        for l in 0..<lanes { let v = Double(px[l]); ls[l] += v; lq[l] += v * v }
                    }
                    for l in 0..<lanes { sp[p * lanes + l] = ls[l]; qp[p * lanes + l] = lq[l] }
                }
            } }
            // Channel c's scale and shift from its group's statistics.
            var scale = [Float](repeating: 0, count: planes * lanes), shift = scale
            for g in 0..<groups {
                var s = 0.0, q = 0.0
                for c in g * perGroup..<(g + 1) * perGroup { s += sums[c]; q += squares[c] }
                let mean = s / count
                let variance = max(q / count - mean * mean, 0)
                let rstd = 1 / (variance + Double(eps)).squareRoot()
                for c in g * perGroup..<(g + 1) * perGroup {
                    let a = Double(gamma[c]) * rstd
                    scale[c] = Float(a)
                    shift[c] = Float(Double(beta[c]) - mean * a)
                }
            }
            let relu = self.relu
            scale.withUnsafeBufferPointer { a in shift.withUnsafeBufferPointer { b in
                let ap = a.baseAddress!, bp = b.baseAddress!
                DispatchQueue.concurrentPerform(iterations: planes) { p in
                    let base = image + p * hw * lanes, pa = ap + p * lanes, pb = bp + p * lanes
                    for i in 0..<hw {
                        let px = base + i * lanes
                        for l in 0..<lanes {
                            let y = px[l] * pa[l] + pb[l]
                            px[l] = relu ? max(y, 0) : y
                        }
                    }
                }
            } }
        }
    }
}
