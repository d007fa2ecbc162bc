import CDNNL
import Foundation

/// PyTorch's CPU softmax over the last dimension (`F.softmax(x, -1)` on a
/// contiguous float tensor, ATen's `_vec_softmax_lastdim`), with its order
/// of operations:
///
/// 1. m = max of the row;
/// 2. eᵢ = exp(xᵢ − m);
/// 3. s = Σ eᵢ, summed as ATen's `vec::reduce_all` sums: with `lanes` floats
///    per vector, lane k accumulates elements k, k + lanes, k + 2·lanes, …
///    (the last partial vector adds into its first lanes only), then the
///    lanes are folded pairwise (lane i + lane i ⊕ lanes/2, then ⊕ lanes/4,
///    … ⊕ 1); a row shorter than one vector is summed left to right;
/// 4. pᵢ = eᵢ · (1 / s).
///
/// The summation order matters when one class dominates: adding the tiny
/// terms one by one to a running sum near 1 rounds each of them away, while
/// the lane sums keep them, so two near-certain scores (0.99999940 and
/// 0.99999952) would otherwise come out equal and NMS would keep the wrong
/// box. `exp` is the C library's; PyTorch's vectorised exp may differ from it
/// in the last bit, so scores agree with torchvision to the bit in most
/// cases and otherwise to one unit in the last place.
public enum Softmax {
    /// Floats per `Vectorized<float>` in the PyTorch build that runs on this
    /// CPU: 16 where AVX-512 (F, BW, DQ, VL) is usable, else 8 (AVX2). Read
    /// from oneDNN's effective ISA, so `ONEDNN_MAX_CPU_ISA` limits it too.
    public static let torchLanes: Int = {
        let isa = dnnl_get_effective_cpu_isa().rawValue
        let avx512core = dnnl_cpu_isa_avx512_core.rawValue
        return isa & avx512core == avx512core ? 16 : 8
    }()

    /// The softmax of `x[0..<n]` into `out[0..<n]` (may alias `x`).
    public static func lastDim(_ x: UnsafePointer<Float>, count n: Int, into out: UnsafeMutablePointer<Float>,
                               lanes: Int = torchLanes) {
        guard n > 0 else { return }
        var m = x[0]
        for i in 1..<n where x[i] > m || x[i].isNaN { m = x[i] }
        for i in 0..<n { out[i] = exp(x[i] - m) }
        let r = 1 / vectorSum(UnsafePointer(out), count: n, lanes: lanes)
        for i in 0..<n { out[i] = out[i] * r }
    }

    /// ATen's `vec::reduce_all` with `+` over `p[0..<n]` for vectors of `lanes` floats.
    public static func vectorSum(_ p: UnsafePointer<Float>, count n: Int, lanes: Int) -> Float {
        precondition(lanes > 0 && lanes & (lanes - 1) == 0, "lanes must be a power of two")
        guard n >= lanes else {
            var s: Float = n > 0 ? p[0] : 0
            if n > 1 { for i in 1..<n { s += p[i] } }
            return s
        }
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: lanes) { acc in
            for k in 0..<lanes { acc[k] = p[k] }
            var d = lanes
            while d < n - n % lanes {
                for k in 0..<lanes { acc[k] += p[d + k] }
                d += lanes
            }
            for k in 0..<(n - d) { acc[k] += p[d + k] }
            // Pairwise fold; only lanes below `step` are needed afterwards,
            // and lane i's partner i ⊕ step is i + step for those.
            var step = lanes / 2
            while step >= 1 {
                for i in 0..<step { acc[i] += acc[i + step] }
                step /= 2
            }
            return acc[0]
        }
    }
}
