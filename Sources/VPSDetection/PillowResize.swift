import Foundation
import VPSCore

/// Pillow's bilinear resize of an 8-bit image (`Image.resize(size,
/// Image.BILINEAR)`, libImaging/Resample.c), bit for bit: a horizontal then
/// a vertical pass of a triangle filter whose support grows with the
/// reduction factor (so shrinking is antialiased), with coefficients in
/// fixed point (22 fractional bits), each pass rounding and clamping to
/// 0…255. Detectron2's `ResizeShortestEdge` resizes its input this way.
public enum PillowResize {
    static let precisionBits = 22

    /// The taps of one axis: for output i, the first input index, the number
    /// of inputs and their fixed-point weights (`ksize` slots per output).
    struct Taps {
        var first: [Int]
        var count: [Int]
        var weights: [Int32]
        var ksize: Int

        init(input: Int, output: Int) {
            let scale = Double(input) / Double(output)
            let filterScale = max(scale, 1)
            let support = 1.0 * filterScale
            ksize = Int(support.rounded(.up)) * 2 + 1
            first = [Int](repeating: 0, count: output)
            count = [Int](repeating: 0, count: output)
            weights = [Int32](repeating: 0, count: output * ksize)
            var k = [Double](repeating: 0, count: ksize)
            for i in 0..<output {
                let center = (Double(i) + 0.5) * scale
                let ss = 1.0 / filterScale
                let xmin = max(Int(center - support + 0.5), 0)
                let xmax = min(Int(center + support + 0.5), input) - xmin
                var ww = 0.0
                for x in 0..<ksize { k[x] = 0 }
                for x in 0..<max(xmax, 0) {
                    var t = abs((Double(x + xmin) - center + 0.5) * ss)
                    t = t < 1 ? 1 - t : 0
                    k[x] = t
                    ww += t
                }
                for x in 0..<max(xmax, 0) where ww != 0 { k[x] /= ww }
                let one = Double(1 << PillowResize.precisionBits)
                for x in 0..<ksize {
                    weights[i * ksize + x] = Int32(k[x] < 0 ? (-0.5 + k[x] * one) : (0.5 + k[x] * one))
                }
                first[i] = xmin
                count[i] = max(xmax, 0)
            }
        }
    }

    @inline(__always) static func clip8(_ v: Int32) -> UInt8 {
        let s = v >> Int32(precisionBits)
        return s < 0 ? 0 : s > 255 ? 255 : UInt8(s)
    }

    /// `image` resized to `width × height`; the same image when the size does not change.
    public static func resize(_ image: RGBImage, width W: Int, height H: Int) -> RGBImage {
        let (w, h) = (image.width, image.height)
        if w == W && h == H { return image }
        let half = Int32(1 << (precisionBits - 1))
        // Horizontal pass (skipped when the width does not change).
        var mid = image.pixels
        if W != w {
            let tx = Taps(input: w, output: W)
            mid = [UInt8](repeating: 0, count: W * h * 3)
            image.pixels.withUnsafeBufferPointer { src in
                mid.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<h {
                        for x in 0..<W {
                            let x0 = tx.first[x], k = x * tx.ksize
                            for c in 0..<3 {
                                var ss = half
                                for i in 0..<tx.count[x] { ss &+= Int32(src[(y * w + x0 + i) * 3 + c]) &* tx.weights[k + i] }
                                dst[(y * W + x) * 3 + c] = clip8(ss)
                            }
                        }
                    }
                }
            }
        }
        if H == h { return RGBImage(width: W, height: H, pixels: mid) }
        let ty = Taps(input: h, output: H)
        var out = [UInt8](repeating: 0, count: W * H * 3)
        mid.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<H {
                    let y0 = ty.first[y], k = y * ty.ksize
                    for x in 0..<W {
                        for c in 0..<3 {
                            var ss = half
                            for i in 0..<ty.count[y] { ss &+= Int32(src[((y0 + i) * W + x) * 3 + c]) &* ty.weights[k + i] }
                            dst[(y * W + x) * 3 + c] = clip8(ss)
                        }
                    }
                }
            }
        }
        return RGBImage(width: W, height: H, pixels: out)
    }
}
