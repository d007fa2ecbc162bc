import Foundation

/// Resampling with torch's exact index and weight rules.
public enum Resize {
    /// torch `interpolate(mode="nearest", size=(outH, outW))` on an NHWC or
    /// `.blocked8` tensor (output in the same layout).
    public static func nearest(_ x: Tensor, height outH: Int, width outW: Int) -> Tensor {
        precondition(x.layout == .nhwc || x.layout == .blocked8, "nearest upsampling works on NHWC or blocked tensors")
        let out = Tensor(shape: [x.n, x.c, outH, outW], layout: x.layout)
        // A blocked tensor is N·⌈C/8⌉ NHWC images of 8 channels.
        let (images, C) = x.layout == .blocked8 ? (x.n * ((x.c + 7) / 8), 8) : (x.n, x.c)
        let ys = (0..<outH).map { nearestIndex($0, input: x.h, output: outH) }
        let xs = (0..<outW).map { nearestIndex($0, input: x.w, output: outW) }
        for b in 0..<images {
            for oy in 0..<outH {
                let srcRow = x.data + ((b * x.h + ys[oy]) * x.w) * C
                let dstRow = out.data + ((b * outH + oy) * outW) * C
                for ox in 0..<outW {
                    (dstRow + ox * C).update(from: srcRow + xs[ox] * C, count: C)
                }
            }
        }
        return out
    }

    /// ATen's `nearest_idx` for a given output size (no scale factor).
    @inlinable
    public static func nearestIndex(_ o: Int, input: Int, output: Int) -> Int {
        if output == input { return o }
        if output == 2 * input { return o >> 1 }
        let scale = Float(input) / Float(output)
        return min(Int((Float(o) * scale).rounded(.down)), input - 1)
    }

    /// Source indices and weights of torch's bilinear interpolation with
    /// `align_corners=False` and an explicit output size (scale = in/out).
    public struct LinearTaps: Sendable {
        public var i0: [Int], i1: [Int], w0: [Float], w1: [Float]
        public init(input: Int, output: Int) {
            i0 = []; i1 = []; w0 = []; w1 = []
            let scale = Float(input) / Float(output)
            for o in 0..<output {
                if input == output {
                    i0.append(o); i1.append(o); w0.append(1); w1.append(0)
                    continue
                }
                var real = scale * (Float(o) + 0.5) - 0.5
                if real < 0 { real = 0 }
                let idx = min(Int(real.rounded(.down)), input - 1)
                let lambda1 = min(max(real - Float(idx), 0), 1)
                i0.append(idx)
                i1.append(idx + (idx < input - 1 ? 1 : 0))
                w1.append(lambda1)
                w0.append(1 - lambda1)
            }
        }

        /// The taps of the first `n` outputs only.
        public func prefix(_ n: Int) -> LinearTaps {
            var t = self
            t.i0 = Array(i0.prefix(n)); t.i1 = Array(i1.prefix(n))
            t.w0 = Array(w0.prefix(n)); t.w1 = Array(w1.prefix(n))
            return t
        }
    }

    /// torch `interpolate(mode="bilinear", align_corners=False, size=(outH, outW))`
    /// (or `scale_factor` = out/in when that is exact, e.g. `nn.Upsample(scale_factor=2)`)
    /// on an NHWC or `.blocked8` tensor; the output has the same layout.
    public static func bilinear(_ x: Tensor, height outH: Int, width outW: Int) -> Tensor {
        precondition(x.layout == .nhwc || x.layout == .blocked8, "bilinear resizing works on NHWC or blocked tensors")
        let out = Tensor(shape: [x.n, x.c, outH, outW], layout: x.layout)
        // A blocked tensor is N·⌈C/8⌉ NHWC images of 8 channels.
        let (images, C) = x.layout == .blocked8 ? (x.n * ((x.c + 7) / 8), 8) : (x.n, x.c)
        let ty = LinearTaps(input: x.h, output: outH), tx = LinearTaps(input: x.w, output: outW)
        let inH = x.h, inW = x.w, src = x.data, dst = out.data
        DispatchQueue.concurrentPerform(iterations: images * outH) { job in
            let b = job / outH, oy = job % outH
            let image = src + b * inH * inW * C
            let r0 = image + ty.i0[oy] * inW * C, r1 = image + ty.i1[oy] * inW * C
            let hw0 = ty.w0[oy], hw1 = ty.w1[oy]
            let row = dst + (b * outH + oy) * outW * C
            for ox in 0..<outW {
                let a = tx.i0[ox] * C, e = tx.i1[ox] * C
                let ww0 = tx.w0[ox], ww1 = tx.w1[ox]
                let d = row + ox * C
                for c in 0..<C {
                    let t0 = r0[a + c] * ww0 + r0[e + c] * ww1
                    let t1 = r1[a + c] * ww0 + r1[e + c] * ww1
                    d[c] = t0 * hw0 + t1 * hw1
                }
            }
        }
        return out
    }

    /// torch `interpolate(mode="bilinear", align_corners=False, size=(outH, outW))`
    /// on `planes` planar images of `inH × inW` (CHW), writing `planes × outH × outW`.
    public static func bilinearPlanar(_ src: UnsafePointer<Float>, planes: Int, inH: Int, inW: Int,
                                      outH: Int, outW: Int, into dst: UnsafeMutablePointer<Float>) {
        bilinearPlanar(src, planes: planes, inH: inH, inW: inW, rows: LinearTaps(input: inH, output: outH),
                       columns: LinearTaps(input: inW, output: outW), into: dst)
    }

    /// Bilinear resampling of `planes` planar `inH × inW` images with given
    /// taps, writing `planes × rows.i0.count × columns.i0.count`. Taps cut
    /// short give a crop of the full-size result (Detectron2's
    /// `sem_seg_postprocess` crops an upsampled map this way).
    public static func bilinearPlanar(_ src: UnsafePointer<Float>, planes: Int, inH: Int, inW: Int,
                                      rows ty: LinearTaps, columns tx: LinearTaps, into dst: UnsafeMutablePointer<Float>) {
        let outH = ty.i0.count, outW = tx.i0.count
        for p in 0..<planes {
            let s = src + p * inH * inW
            let d = dst + p * outH * outW
            for oy in 0..<outH {
                let r0 = s + ty.i0[oy] * inW, r1 = s + ty.i1[oy] * inW
                let hw0 = ty.w0[oy], hw1 = ty.w1[oy]
                for ox in 0..<outW {
                    let a = tx.i0[ox], b = tx.i1[ox]
                    let ww0 = tx.w0[ox], ww1 = tx.w1[ox]
                    let t0 = r0[a] * ww0 + r0[b] * ww1
                    let t1 = r1[a] * ww0 + r1[b] * ww1
                    d[oy * outW + ox] = t0 * hw0 + t1 * hw1
                }
            }
        }
    }
}
