import VPSCore
import VPSFormats

/// Outlines in a single colour: the ring inside a box (detector instances)
/// and the inner band of a segment's boundary (panoptic things).
public enum Outline {
    /// Paints a 2 px ring just inside the box with corners (x0, y0) and
    /// (x1, y1), inclusive, each clamped to the image first. A box one pixel
    /// wide (or high) gets its neighbours' columns (rows) painted too.
    public static func box(_ image: inout RGBImage, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: RGBColour) {
        let W = image.width, H = image.height
        let x0 = max(0, min(W - 1, x0)), x1 = max(0, min(W - 1, x1))
        let y0 = max(0, min(H - 1, y0)), y1 = max(0, min(H - 1, y1))
        let c = (c.r, c.g, c.b)
        for t in 0..<2 {
            for x in x0...x1 {
                image[x, min(y0 + t, H - 1)] = c
                image[x, max(y1 - t, 0)] = c
            }
            for y in y0...y1 {
                image[min(x0 + t, W - 1), y] = c
                image[max(x1 - t, 0), y] = c
            }
        }
    }

    /// Paints the inner 2 px band of segment `k`'s boundary (pixels with a
    /// 4-neighbour outside the segment or the frame, and their 4-neighbours
    /// inside), visiting only the segment's box.
    public static func segment(_ image: inout RGBImage, _ f: PanopticFrame, _ k: Int, _ c: RGBColour) {
        let s = f.segments[k], b = s.bbox
        guard s.area > 0, b[2] > 0, b[3] > 0 else { return }
        let W = f.width, bw = b[2], bh = b[3], pw = bw + 2
        let id = Int32(truncatingIfNeeded: s.id)
        // The box with a 1-pixel margin, which the tight box guarantees is
        // outside the segment: 0 = outside, 1 = inside, 2 = first band, 3 = second band.
        var band = [UInt8](repeating: 0, count: pw * (bh + 2))
        band.withUnsafeMutableBufferPointer { m in
            f.ids.withUnsafeBufferPointer { ids in
                for y in 0..<bh {
                    let src = (b[1] + y) * W + b[0], dst = (y + 1) * pw + 1
                    for x in 0..<bw where ids[src + x] == id { m[dst + x] = 1 }
                }
            }
            for y in 1...bh {
                for i in (y * pw + 1)..<(y * pw + 1 + bw) where m[i] != 0 {
                    if m[i - 1] == 0 || m[i + 1] == 0 || m[i - pw] == 0 || m[i + pw] == 0 { m[i] = 2 }
                }
            }
            for y in 1...bh {
                for i in (y * pw + 1)..<(y * pw + 1 + bw) where m[i] == 1 {
                    if m[i - 1] == 2 || m[i + 1] == 2 || m[i - pw] == 2 || m[i + pw] == 2 { m[i] = 3 }
                }
            }
            image.pixels.withUnsafeMutableBufferPointer { px in
                for y in 0..<bh {
                    let src = (y + 1) * pw + 1, dst = (b[1] + y) * W + b[0]
                    for x in 0..<bw where m[src + x] >= 2 {
                        let o = (dst + x) * 3
                        px[o] = c.r; px[o + 1] = c.g; px[o + 2] = c.b
                    }
                }
            }
        }
    }
}
