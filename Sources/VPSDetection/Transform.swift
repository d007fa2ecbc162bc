import Foundation
import VPSCore
import VPSTensor

/// The model's input transform at test time.
///
/// `resize: .torchvision` is `GeneralizedRCNNTransform`: RGB bytes → [0, 1]
/// → normalised by mean/std → bilinear resize so the short side is `minSize`
/// (long side at most `maxSize`) → zero-padded to a multiple of `sizeDivisible`.
/// `resize: .detectron2` is `ResizeShortestEdge` then the model's
/// normalisation: the uint8 image resized by Pillow (`PillowResize`), then
/// scaled to [0, `pixelRange`] and normalised, then padded the same way.
/// `channelOrder` picks RGB or BGR planes.
public struct ImageTransform: Sendable {
    public var config: TransformConfig
    public init(config: TransformConfig) { self.config = config }

    /// The resized (unpadded) size for an image of `h × w`, as torch computes it:
    /// scale = min(minSize/short, maxSize/long) in Double, size = ⌊side·scale⌋.
    public func resizedSize(height h: Int, width w: Int) -> (h: Int, w: Int) {
        if config.resize == .detectron2 { return shortestEdgeSize(height: h, width: w) }
        let scale = min(Double(config.minSize) / Double(min(h, w)), Double(config.maxSize) / Double(max(h, w)))
        return (Int((Double(h) * scale).rounded(.down)), Int((Double(w) * scale).rounded(.down)))
    }

    /// Detectron2's `ResizeShortestEdge.get_output_shape`: the short side
    /// scaled to `minSize`, then both scaled down if the long side exceeds
    /// `maxSize`, each rounded with ⌊x + 0.5⌋.
    public func shortestEdgeSize(height h: Int, width w: Int) -> (h: Int, w: Int) {
        let size = Double(config.minSize)
        let scale = size / Double(min(h, w))
        var (nh, nw) = h < w ? (size, scale * Double(w)) : (scale * Double(h), size)
        if max(nh, nw) > Double(config.maxSize) {
            let s = Double(config.maxSize) / max(nh, nw)
            nh *= s
            nw *= s
        }
        return (Int(nh + 0.5), Int(nw + 0.5))
    }

    /// The padded batch size for a resized size.
    public func paddedSize(_ s: (h: Int, w: Int)) -> (h: Int, w: Int) {
        let d = config.sizeDivisible
        return ((s.h + d - 1) / d * d, (s.w + d - 1) / d * d)
    }

    /// Returns the padded NCHW tensor `[1, 3, H, W]` and the resized size.
    public func callAsFunction(_ image: RGBImage) -> (tensor: Tensor, size: (h: Int, w: Int)) {
        if config.resize == .detectron2 { return resizeThenNormalise(image) }
        let (h, w) = (image.height, image.width)
        var planes = [Float](repeating: 0, count: 3 * h * w)
        normalise(image, into: &planes)
        let size = resizedSize(height: h, width: w)
        var resized = [Float](repeating: 0, count: 3 * size.h * size.w)
        planes.withUnsafeBufferPointer { s in resized.withUnsafeMutableBufferPointer { d in
            Resize.bilinearPlanar(s.baseAddress!, planes: 3, inH: h, inW: w, outH: size.h, outW: size.w, into: d.baseAddress!)
        } }
        return (padded(resized, size: size), size)
    }

    /// Planar, normalised values of `image`: channel c of the model is
    /// source channel c (RGB) or 2 − c (BGR); v ↦ (v·pixelRange/255 − mean) / std.
    func normalise(_ image: RGBImage, into planes: inout [Float]) {
        let n = image.width * image.height
        let mean = config.mean.map { Float($0) }, std = config.std.map { Float($0) }
        let bgr = config.channelOrder == .bgr
        image.pixels.withUnsafeBufferPointer { px in
            for c in 0..<3 {
                let m = mean[c], s = std[c], src = bgr ? 2 - c : c
                if config.pixelRange == 1 {
                    for i in 0..<n { planes[c * n + i] = (Float(px[i * 3 + src]) / 255 - m) / s }
                } else {
                    let r = Float(config.pixelRange) / 255
                    for i in 0..<n { planes[c * n + i] = (Float(px[i * 3 + src]) * r - m) / s }
                }
            }
        }
    }

    /// Detectron2's order: resize the uint8 image, then normalise.
    func resizeThenNormalise(_ image: RGBImage) -> (tensor: Tensor, size: (h: Int, w: Int)) {
        let size = resizedSize(height: image.height, width: image.width)
        let small = PillowResize.resize(image, width: size.w, height: size.h)
        var planes = [Float](repeating: 0, count: 3 * size.h * size.w)
        normalise(small, into: &planes)
        return (padded(planes, size: size), size)
    }

    /// `[1, 3, H, W]` NCHW, the planes of `size` zero-padded to `paddedSize`.
    func padded(_ planes: [Float], size: (h: Int, w: Int)) -> Tensor {
        let pad = paddedSize(size)
        let out = Tensor(shape: [1, 3, pad.h, pad.w], layout: .nchw)
        planes.withUnsafeBufferPointer { src in
            for c in 0..<3 {
                for y in 0..<size.h {
                    (out.data + (c * pad.h + y) * pad.w).update(from: src.baseAddress! + (c * size.h + y) * size.w, count: size.w)
                }
            }
        }
        return out
    }
}
