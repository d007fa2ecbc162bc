import VPSCore
import VPSFormats

/// The annotated frame of `vps annotate`, as the `render` stage draws it in `panoptic` mode.
///
/// Draws, in this order:
/// - stuff tinted lightly in its category's colour (`stuffOpacity`);
/// - each thing blended with its track's colour (`maskOpacity`), the same
///   colour for the track's whole life (`Palette`), its outline (the 2 px
///   inner band of its mask boundary) in full colour, and its box (the
///   segment's tight box, 1 px);
/// - with `trailLength` N > 0, a polyline through the track's mask centroids
///   of the last N frames (tracks in view only);
/// - a label "class #track score" (e.g. "person #3 0.97") above the box, on
///   the track's colour with black or white text, best score drawn last.
/// Pixels outside every segment, box, outline, trail and label are the frame's own.
///
/// Cost: one pass over the id map (blending and centroids), then work in each
/// thing's box only (outline), plus OpenCV drawing of boxes, trails and labels.
public struct PanopticDrawing: Sendable {
    /// Weight of the track colour over the frame inside a thing (0…1).
    public let maskOpacity: Float
    /// Weight of the category colour over the frame inside stuff (0…1).
    public let stuffOpacity: Float
    /// Frames a motion trail spans; 0 draws none.
    public let trailLength: Int
    /// Font scale of the labels (OpenCV Hershey simplex); nil: by frame
    /// height (`autoLabelScale`), so labels stay a similar share of the picture.
    public let labelScale: Double?
    /// The paths of recently seen tracks (empty when `trailLength` is 0).
    public private(set) var trails: MotionTrails?

    public init(maskOpacity: Float = 0.5, stuffOpacity: Float = 0.25, trailLength: Int = 0, labelScale: Double? = nil) {
        precondition((0...1).contains(maskOpacity) && (0...1).contains(stuffOpacity) && trailLength >= 0)
        self.maskOpacity = maskOpacity
        self.stuffOpacity = stuffOpacity
        self.trailLength = trailLength
        self.labelScale = labelScale
        self.trails = trailLength > 0 ? MotionTrails(length: trailLength) : nil
    }

    /// 0.45 at 480 px high, in proportion to the height, within 0.25…0.9.
    public static func autoLabelScale(height: Int) -> Double { min(0.9, max(0.25, 0.45 * Double(height) / 480)) }

    /// Draws frame `frameIndex`'s panoptic map `f` (its categories
    /// `categories`) onto `image`, of the map's size, and records the
    /// frame's centroids in `trails`.
    public mutating func draw(on image: inout RGBImage, _ f: PanopticFrame, categories: [Category], frameIndex: Int) throws {
        guard f.width == image.width, f.height == image.height else {
            throw VPSError.internalFailure("frame \(frameIndex): a \(f.width)x\(f.height) panoptic map for a \(image.width)x\(image.height) frame")
        }
        // A segment is a thing when its category says so (or, for a category
        // not in the list, when its id has an instance part).
        let thingCategories = Dictionary(categories.map { ($0.id, $0.isThing) }, uniquingKeysWith: { a, _ in a })
        let isThing = f.segments.map { thingCategories[$0.categoryId] ?? ($0.instance != 0) }
        let things = f.segments.indices.filter { isThing[$0] }
        let colours = f.segments.indices.map { k in
            isThing[k] ? Palette.colour(trackId: f.segments[k].trackId) : Palette.stuffColour(category: f.segments[k].categoryId)
        }
        let opacity = isThing.map { $0 ? maskOpacity : stuffOpacity }

        let sums = Self.blend(&image, f, colours, opacity)
        for k in things { Outline.segment(&image, f, k, colours[k]) }
        var centroids: [Int: (x: Double, y: Double)] = [:]
        for k in things where sums[k].n > 0 {
            centroids[f.segments[k].trackId] = (Double(sums[k].x) / Double(sums[k].n) + 0.5,
                                                Double(sums[k].y) / Double(sums[k].n) + 0.5)
        }
        trails?.record(frame: frameIndex, centroids: centroids)

        let names = Dictionary(categories.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        for k in things {
            let b = f.segments[k].bbox
            try Draw.rect(&image, b[0], b[1], b[0] + b[2] - 1, b[1] + b[3] - 1, colours[k])
        }
        if let trails {
            for k in things {
                let path = trails.path(of: f.segments[k].trackId)
                for (a, b) in zip(path, path.dropFirst()) {
                    try Draw.line(&image, Int(a.x.rounded()), Int(a.y.rounded()), Int(b.x.rounded()), Int(b.y.rounded()),
                                  colours[k], thickness: 2)
                }
            }
        }
        for k in things.sorted(by: { f.segments[$0].score < f.segments[$1].score }) {
            let s = f.segments[k]
            try Draw.label(&image, Self.labelText(s, name: names[s.categoryId]), x: s.bbox[0], y: s.bbox[1] - 1,
                           scale: labelScale ?? Self.autoLabelScale(height: image.height), colours[k])
        }
    }

    /// "class #track score", e.g. "person #3 0.97" (ASCII only: OpenCV's font has no other glyphs).
    public static func labelText(_ s: Segment, name: String?) -> String {
        let n = String((name ?? "class \(s.categoryId)").unicodeScalars.map { $0.isASCII ? Character($0) : "?" })
        let hundredths = Int((min(max(s.score, 0), 1) * 100).rounded())
        return "\(n) #\(s.trackId) \(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }

    /// Blends every segment's pixels with its colour in one pass over the id
    /// map; returns each segment's pixel count and coordinate sums.
    static func blend(_ image: inout RGBImage, _ f: PanopticFrame, _ colours: [RGBColour],
                      _ opacity: [Float]) -> [(n: Int, x: Int, y: Int)] {
        var slot: [Int32: Int] = [:]
        for (k, s) in f.segments.enumerated() { slot[Int32(truncatingIfNeeded: s.id)] = k }
        // Fixed point: out = (pixel · (256 − a) + colour · a + 128) >> 8.
        let alpha = opacity.map { UInt32(($0 * 256).rounded()) }
        let pre = colours.indices.map { k in
            (UInt32(colours[k].r) * alpha[k] + 128, UInt32(colours[k].g) * alpha[k] + 128, UInt32(colours[k].b) * alpha[k] + 128)
        }
        var sums = [(n: Int, x: Int, y: Int)](repeating: (0, 0, 0), count: f.segments.count)
        let W = f.width
        f.ids.withUnsafeBufferPointer { ids in
            image.pixels.withUnsafeMutableBufferPointer { px in
                // Row by row, one run of equal ids at a time.
                for y in 0..<f.height {
                    let row = y * W
                    var x = 0
                    while x < W {
                        let v = ids[row + x]
                        var end = x + 1
                        while end < W && ids[row + end] == v { end += 1 }
                        defer { x = end }
                        guard v != 0, let k = slot[v] else { continue }
                        let inv = 256 - alpha[k], (cr, cg, cb) = pre[k]
                        for o in stride(from: (row + x) * 3, to: (row + end) * 3, by: 3) {
                            px[o] = UInt8(truncatingIfNeeded: (UInt32(px[o]) * inv + cr) >> 8)
                            px[o + 1] = UInt8(truncatingIfNeeded: (UInt32(px[o + 1]) * inv + cg) >> 8)
                            px[o + 2] = UInt8(truncatingIfNeeded: (UInt32(px[o + 2]) * inv + cb) >> 8)
                        }
                        let n = end - x
                        sums[k].n += n
                        sums[k].x += (x + end - 1) * n / 2
                        sums[k].y += y * n
                    }
                }
            }
        }
        return sums
    }
}
