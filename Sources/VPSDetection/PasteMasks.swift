import Foundation
import VPSCore
import VPSTensor

/// torchvision's `paste_masks_in_image`: pads each M×M probability map by one
/// pixel, grows the box by (M+2)/M, truncates it to integers, resizes the map
/// bilinearly to the box and places it in the image; then thresholds.
/// The mask is stored as its tight crop of the image (`BinaryMask`).
public enum MaskPaster {
    public static func paste(_ probs: [Float], size M: Int, box: VPSTensor.Box, imageHeight H: Int, imageWidth W: Int,
                             threshold: Float) -> BinaryMask {
        let P = M + 2
        var padded = [Float](repeating: 0, count: P * P)
        for y in 0..<M { for x in 0..<M { padded[(y + 1) * P + x + 1] = probs[y * M + x] } }
        let (bx0, by0, bx1, by1) = expandedBox(box, size: M)
        let w = max(bx1 - bx0 + 1, 1), h = max(by1 - by0 + 1, 1)
        var resized = [Float](repeating: 0, count: w * h)
        padded.withUnsafeBufferPointer { s in resized.withUnsafeMutableBufferPointer { d in
            Resize.bilinearPlanar(s.baseAddress!, planes: 1, inH: P, inW: P, outH: h, outW: w, into: d.baseAddress!)
        } }
        let r = region(box: box, size: M, imageHeight: H, imageWidth: W)
        var bits = [UInt8](repeating: 0, count: r.width * r.height)
        for y in 0..<r.height {
            for x in 0..<r.width where resized[(y + r.y0 - by0) * w + (x + r.x0 - bx0)] > threshold {
                bits[y * r.width + x] = 1
            }
        }
        return BinaryMask(frameWidth: W, frameHeight: H, x0: r.x0, y0: r.y0, width: r.width, height: r.height, bits: bits)
    }

    /// The image rectangle an M×M map of `box` is pasted into: the box grown
    /// by (M+2)/M about its centre, truncated to whole pixels (inclusive
    /// corners), clipped to the image.
    public static func region(box: VPSTensor.Box, size M: Int, imageHeight H: Int,
                              imageWidth W: Int) -> (x0: Int, y0: Int, width: Int, height: Int) {
        let (bx0, by0, bx1, by1) = expandedBox(box, size: M)
        let x0 = max(bx0, 0), x1 = min(bx1 + 1, W), y0 = max(by0, 0), y1 = min(by1 + 1, H)
        return (x0, y0, max(x1 - x0, 0), max(y1 - y0, 0))
    }

    /// torchvision's `expand_boxes` by (M+2)/M, then truncated to ints (inclusive corners).
    static func expandedBox(_ box: VPSTensor.Box, size M: Int) -> (Int, Int, Int, Int) {
        let scale = Float(Double(M + 2) / Double(M))
        var wHalf = (box.x2 - box.x1) * 0.5, hHalf = (box.y2 - box.y1) * 0.5
        let xc = (box.x2 + box.x1) * 0.5, yc = (box.y2 + box.y1) * 0.5
        wHalf *= scale; hHalf *= scale
        return (Int(xc - wHalf), Int(yc - hHalf), Int(xc + wHalf), Int(yc + hHalf))
    }
}

extension MaskPaster {
    /// Detectron2's `paste_masks_in_image` on the CPU: the pixels from
    /// ⌊x1⌋ − 1 to ⌈x2⌉ + 1 (clamped to the image) sample the M×M map with
    /// `grid_sample` (bilinear, align_corners = false, zeros outside) at
    /// their centres, mapped through the box; foreground where the sample
    /// is at least `threshold`.
    public static func pasteByGridSample(_ probs: [Float], size M: Int, box: VPSTensor.Box, imageHeight H: Int, imageWidth W: Int,
                                         threshold: Float) -> BinaryMask {
        let x0 = max(Int(box.x1.rounded(.down)) - 1, 0), y0 = max(Int(box.y1.rounded(.down)) - 1, 0)
        let x1 = min(Int(box.x2.rounded(.up)) + 1, W), y1 = min(Int(box.y2.rounded(.up)) + 1, H)
        let rw = max(x1 - x0, 0), rh = max(y1 - y0, 0)
        guard rw > 0, rh > 0 else {
            return BinaryMask(frameWidth: W, frameHeight: H, x0: 0, y0: 0, width: 0, height: 0, bits: [])
        }
        // grid_sample's unnormalisation: g·(M/2) + (M − 1)/2.
        let scale = Float(M) / 2, offset = Float(M - 1) / 2
        let bw = box.x2 - box.x1, bh = box.y2 - box.y1
        let gx: [Float] = (0..<rw).map { i in ((Float(x0 + i) + 0.5 - box.x1) / bw * 2 - 1) * scale + offset }
        let gy: [Float] = (0..<rh).map { j in ((Float(y0 + j) + 0.5 - box.y1) / bh * 2 - 1) * scale + offset }
        var bits = [UInt8](repeating: 0, count: rw * rh)
        func at(_ y: Int, _ x: Int) -> Float { (y >= 0 && y < M && x >= 0 && x < M) ? probs[y * M + x] : 0 }
        for j in 0..<rh {
            let iy = gy[j]
            let yn = Int(iy.rounded(.down))
            let ty = iy - Float(yn), sy = Float(yn + 1) - iy
            for i in 0..<rw {
                let ix = gx[i]
                let xn = Int(ix.rounded(.down))
                let tx = ix - Float(xn), sx = Float(xn + 1) - ix
                let v = at(yn, xn) * (sx * sy) + at(yn, xn + 1) * (tx * sy) + at(yn + 1, xn) * (sx * ty) + at(yn + 1, xn + 1) * (tx * ty)
                if v >= threshold { bits[j * rw + i] = 1 }
            }
        }
        return BinaryMask(frameWidth: W, frameHeight: H, x0: x0, y0: y0, width: rw, height: rh, bits: bits)
    }
}
