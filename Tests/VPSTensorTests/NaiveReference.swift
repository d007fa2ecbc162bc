import VPSTensor

/// Straightforward reference implementations, NCHW, Double accumulation.
enum Naive {
    static func conv(_ x: [Float], n: Int, c: Int, h: Int, w: Int, weight: [Float], bias: [Float], o: Int,
                     k: Int, stride: Int, pad: Int, dil: Int) -> (out: [Float], oh: Int, ow: Int) {
        let ek = dil * (k - 1) + 1
        let oh = (h + 2 * pad - ek) / stride + 1, ow = (w + 2 * pad - ek) / stride + 1
        var out = [Float](repeating: 0, count: n * o * oh * ow)
        for b in 0..<n { for oc in 0..<o { for y in 0..<oh { for xx in 0..<ow {
            var s = Double(bias[oc])
            for ic in 0..<c { for ky in 0..<k { for kx in 0..<k {
                let iy = y * stride - pad + ky * dil, ix = xx * stride - pad + kx * dil
                if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                s += Double(x[((b * c + ic) * h + iy) * w + ix]) * Double(weight[((oc * c + ic) * k + ky) * k + kx])
            } } }
            out[((b * o + oc) * oh + y) * ow + xx] = Float(s)
        } } } }
        return (out, oh, ow)
    }

    /// Transposed convolution with IOHW weights.
    static func deconv(_ x: [Float], n: Int, c: Int, h: Int, w: Int, weight: [Float], bias: [Float], o: Int,
                       k: Int, stride: Int, pad: Int) -> (out: [Float], oh: Int, ow: Int) {
        let oh = (h - 1) * stride - 2 * pad + k, ow = (w - 1) * stride - 2 * pad + k
        var acc = [Double](repeating: 0, count: n * o * oh * ow)
        for b in 0..<n { for ic in 0..<c { for y in 0..<h { for xx in 0..<w {
            let v = Double(x[((b * c + ic) * h + y) * w + xx])
            for oc in 0..<o { for ky in 0..<k { for kx in 0..<k {
                let oy = y * stride - pad + ky, ox = xx * stride - pad + kx
                if oy < 0 || oy >= oh || ox < 0 || ox >= ow { continue }
                acc[((b * o + oc) * oh + oy) * ow + ox] += v * Double(weight[((ic * o + oc) * k + ky) * k + kx])
            } } }
        } } } }
        var out = [Float](repeating: 0, count: acc.count)
        for b in 0..<n { for oc in 0..<o { for p in 0..<(oh * ow) {
            let i = (b * o + oc) * oh * ow + p
            out[i] = Float(acc[i] + Double(bias[oc]))
        } } }
        return (out, oh, ow)
    }
}

/// A small deterministic generator for test data.
struct TestRNG {
    var state: UInt64
    mutating func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Double(state >> 11) / Double(1 << 53)) * 2 - 1
    }
    mutating func array(_ n: Int) -> [Float] { (0..<n).map { _ in next() } }
}

func nhwc(_ values: [Float], _ shape: [Int]) -> Tensor {
    Tensor(shape: shape, layout: .nchw, values: values).converted(to: .nhwc)
}

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
