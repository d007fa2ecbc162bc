import Foundation
import VPSCore
import VPSTensor

/// torchvision's `GeneralizedRCNNTransform` at test time: RGB bytes → [0, 1]
/// → normalised by mean/std → bilinear resize so the short side is `minSize`
/// (long side at most `maxSize`) → zero-padded to a multiple of `sizeDivisible`.
public struct ImageTransform: Sendable {
    public var config: TransformConfig
    public init(config: TransformConfig) { self.config = config }

    /// The resized (unpadded) size for an image of `h × w`, as torch computes it:
    /// scale = min(minSize/short, maxSize/long) in Double, size = ⌊side·scale⌋.
    public func resizedSize(height h: Int, width w: Int) -> (h: Int, w: Int) {
        let scale = min(Double(config.minSize) / Double(min(h, w)), Double(config.maxSize) / Double(max(h, w)))
        return (Int((Double(h) * scale).rounded(.down)), Int((Double(w) * scale).rounded(.down)))
    }

    /// The padded batch size for a resized size.
    public func paddedSize(_ s: (h: Int, w: Int)) -> (h: Int, w: Int) {
        let d = config.sizeDivisible
        return ((s.h + d - 1) / d * d, (s.w + d - 1) / d * d)
    }

    /// Returns the padded NCHW tensor `[1, 3, H, W]` and the resized size.
    public func callAsFunction(_ image: RGBImage) -> (tensor: Tensor, size: (h: Int, w: Int)) {
        let (h, w) = (image.height, image.width)
        var planes = [Float](repeating: 0, count: 3 * h * w)
        let mean = config.mean.map { Float($0) }, std = config.std.map { Float($0) }
        image.pixels.withUnsafeBufferPointer { px in
            for c in 0..<3 {
                let m = mean[c], s = std[c]
                for i in 0..<(h * w) { planes[c * h * w + i] = (Float(px[i * 3 + c]) / 255 - m) / s }
            }
        }
        let size = resizedSize(height: h, width: w)
        var resized = [Float](repeating: 0, count: 3 * size.h * size.w)
        planes.withUnsafeBufferPointer { s in resized.withUnsafeMutableBufferPointer { d in
            Resize.bilinearPlanar(s.baseAddress!, planes: 3, inH: h, inW: w, outH: size.h, outW: size.w, into: d.baseAddress!)
        } }
        let pad = paddedSize(size)
        let out = Tensor(shape: [1, 3, pad.h, pad.w], layout: .nchw)
        for c in 0..<3 {
            for y in 0..<size.h {
                (out.data + (c * pad.h + y) * pad.w).update(from: resized.withUnsafeBufferPointer { $0.baseAddress! } + (c * size.h + y) * size.w,
                                                           count: size.w)
            }
        }
        return (out, size)
    }
}
