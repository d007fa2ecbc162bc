import VPSCore

/// Blending a binary mask into an image in one colour.
public enum MaskBlend {
    /// Blends `colour` with weight `opacity` (0…1) into the pixels of `image`
    /// where `bits` (row-major, `width`×`height`, placed with its top-left
    /// corner at (`x0`, `y0`)) is nonzero: out = pixel·(1 − a) + colour·a,
    /// truncated to 8 bits. The crop must lie inside the image.
    public static func blend(_ image: inout RGBImage, x0: Int, y0: Int, width: Int, height: Int, bits: [UInt8],
                             _ c: RGBColour, opacity a: Float) {
        let cr = Float(c.r) * a, cg = Float(c.g) * a, cb = Float(c.b) * a
        let W = image.width
        image.pixels.withUnsafeMutableBufferPointer { px in
            for y in 0..<height {
                for x in 0..<width where bits[y * width + x] != 0 {
                    let o = ((y0 + y) * W + x0 + x) * 3
                    px[o] = UInt8(Float(px[o]) * (1 - a) + cr)
                    px[o + 1] = UInt8(Float(px[o + 1]) * (1 - a) + cg)
                    px[o + 2] = UInt8(Float(px[o + 2]) * (1 - a) + cb)
                }
            }
        }
    }
}
