import VPSCore

/// An appearance embedding computed from the frame's pixels under a mask,
/// for tracking without a trained track head.
///
/// The descriptor is a soft colour histogram of the masked pixels: each of
/// R, G and B is placed on `levels` evenly spaced bin centres over 0…255 with
/// linear weights, so a pixel spreads over up to 2×2×2 of the levels³ bins.
/// The histogram is square-rooted and L2-normalised, so the dot product of
/// two embeddings is the Bhattacharyya coefficient of their colour
/// distributions (1 for equal ones, 0 for disjoint ones).
///
/// With a model, the pooled RoI features of the detection (or the track
/// head's output) take its place: `Detection.embedding` is any vector, and
/// `TrackerConfig.embeddingScale` sets how sharp its dot products are.
public enum AppearanceEmbedding {
    /// Levels per colour channel; the embedding has levels³ entries.
    public static let levels = 6

    /// The embedding of `mask`'s pixels in `image` (same size); all zeros for an empty mask.
    public static func compute(image: RGBImage, mask: BinaryMask) -> [Float] {
        let L = levels
        var h = [Float](repeating: 0, count: L * L * L)
        guard mask.area > 0, image.width == mask.frameWidth, image.height == mask.frameHeight else { return h }
        let scale = Float(L - 1) / 255
        @inline(__always) func split(_ v: UInt8) -> (Int, Int, Float) {
            let p = Float(v) * scale
            let lo = min(Int(p), L - 2)
            return (lo, lo + 1, p - Float(lo))
        }
        image.pixels.withUnsafeBufferPointer { px in
            for y in 0..<mask.height {
                for x in 0..<mask.width where mask.bits[y * mask.width + x] != 0 {
                    let i = ((mask.y0 + y) * image.width + mask.x0 + x) * 3
                    let r = split(px[i]), g = split(px[i + 1]), b = split(px[i + 2])
                    for a in 0..<2 {
                        let ri = a == 0 ? r.0 : r.1, rw = a == 0 ? 1 - r.2 : r.2
                        for c in 0..<2 {
                            let gi = c == 0 ? g.0 : g.1, gw = c == 0 ? 1 - g.2 : g.2
                            let base = (ri * L + gi) * L, w = rw * gw
                            h[base + b.0] += w * (1 - b.2)
                            h[base + b.1] += w * b.2
                        }
                    }
                }
            }
        }
        var n: Float = 0
        for k in h.indices { h[k] = h[k].squareRoot(); n += h[k] * h[k] }
        n = n.squareRoot()
        return n > 0 ? h.map { $0 / n } : h
    }
}
