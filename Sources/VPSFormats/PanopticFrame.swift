import VPSCore

/// A class of the label set.
///
/// `id` is the category id used everywhere (panoptic ids, COCO `category_id`,
/// MOTS `class_id`); it must be 1…`maxId` (16776) so that every segment id
/// `id * 1000 + instance` (instance ≤ 999) fits the 24-bit panoptic PNG
/// encoding (and an `Int32` id map). Id 0 is reserved: segment id 0 means void.
public struct Category: Codable, Equatable, Hashable, Sendable {
    /// The largest category id: 16776·1000 + 999 < 2²⁴.
    public static let maxId = (PanopticPNG.maxSegmentId - 999) / 1000
    public var id: Int
    public var name: String
    /// Things are countable objects with instances and tracks; stuff is amorphous background.
    public var isThing: Bool

    public init(id: Int, name: String, isThing: Bool) {
        self.id = id
        self.name = name
        self.isThing = isThing
    }

    /// A display colour, [r, g, b] in 0…255, fixed per id (COCO panoptic's `color`).
    public var color: [Int] {
        let h = UInt32(truncatingIfNeeded: id) &* 2_654_435_761
        return [Int(h >> 24), Int((h >> 16) & 0xff), Int((h >> 8) & 0xff)]
    }

    enum CodingKeys: String, CodingKey { case id, name, isthing }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "class\(id)"
        if let i = try? c.decode(Int.self, forKey: .isthing) { isThing = i != 0 } else {
            isThing = try c.decodeIfPresent(Bool.self, forKey: .isthing) ?? true
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(isThing ? 1 : 0, forKey: .isthing)
    }
}

/// One segment of a panoptic frame: a stuff region or one thing instance.
///
/// Conventions:
/// - `id` is the panoptic segment id, `categoryId * 1000 + instance`; stuff
///   uses instance 0, things 1…999. Id 0 is void and never a segment.
/// - `trackId` is the identity that persists across frames. It defaults to
///   `id` (the panoptic id already persists for as long as the instance is in
///   view); exports that count ids from 1 (MOT) use it directly.
/// - `bbox` is `[x, y, width, height]` in pixels, origin top-left, the tight
///   box of the segment's pixels (equal to pycocotools' `toBbox`).
public struct Segment: Equatable, Hashable, Sendable {
    public var id: Int
    public var categoryId: Int
    public var trackId: Int
    /// Confidence in 0…1; 1 for ground truth.
    public var score: Double
    public var area: Int
    public var bbox: [Int]
    /// COCO `iscrowd`: a group region that is ignored by the metrics that honour it (VPQ).
    public var isCrowd: Bool

    public init(id: Int, categoryId: Int? = nil, trackId: Int? = nil, score: Double = 1,
                area: Int = 0, bbox: [Int] = [0, 0, 0, 0], isCrowd: Bool = false) {
        self.id = id
        self.categoryId = categoryId ?? id / 1000
        self.trackId = trackId ?? id
        self.score = score
        self.area = area
        self.bbox = bbox
        self.isCrowd = isCrowd
    }

    /// The instance part of the panoptic id (0 for stuff).
    public var instance: Int { id % 1000 }
}

/// One frame of a video panoptic result: the project's single result type.
///
/// Layout: `ids[y * width + x]` is the panoptic segment id of pixel (x, y),
/// row-major, origin top-left; 0 is void. `segments` describes every id that
/// occurs in `ids` (order: as produced; writers keep it).
public struct PanopticFrame: Equatable, Sendable {
    /// Position of the frame in its video, from 0.
    public var index: Int
    public var width: Int
    public var height: Int
    public var ids: [Int32]
    public var segments: [Segment]
    /// Whether the frame's instances were carried from an earlier frame by
    /// the motion map instead of detected (a key-frame pipeline); the panoptic
    /// and COCO exports say so (`"propagated": true`).
    public var propagated = false

    public init(index: Int, width: Int, height: Int, ids: [Int32], segments: [Segment]) {
        precondition(ids.count == width * height, "id map does not match \(width)x\(height)")
        self.index = index
        self.width = width
        self.height = height
        self.ids = ids
        self.segments = segments
    }

    /// Builds a frame from an id map alone, deriving each segment's category
    /// (`id / 1000`), area and box from the pixels. Segment order: ascending id.
    public init(index: Int, width: Int, height: Int, ids: [Int32]) {
        self.init(index: index, width: width, height: height, ids: ids, segments: [])
        segments = Self.measure(ids: ids, width: width, height: height).keys.sorted().map { Segment(id: $0) }
        refreshGeometry()
    }

    /// Area and tight box of every nonzero id in an id map.
    public static func measure(ids: [Int32], width: Int, height: Int) -> [Int: (area: Int, bbox: [Int])] {
        var acc: [Int32: (Int, Int, Int, Int, Int)] = [:] // area, x0, y0, x1, y1
        var i = 0
        for y in 0..<height {
            for x in 0..<width {
                let v = ids[i]; i += 1
                if v == 0 { continue }
                if var a = acc[v] {
                    a.0 += 1
                    if x < a.1 { a.1 = x }; if x > a.3 { a.3 = x }
                    if y > a.4 { a.4 = y }
                    acc[v] = a
                } else {
                    acc[v] = (1, x, y, x, y)
                }
            }
        }
        var out: [Int: (area: Int, bbox: [Int])] = [:]
        for (k, a) in acc { out[Int(k)] = (a.0, [a.1, a.2, a.3 - a.1 + 1, a.4 - a.2 + 1]) }
        return out
    }

    /// Recomputes `area` and `bbox` of every segment from `ids`; a segment
    /// absent from the map gets area 0 and box [0, 0, 0, 0].
    public mutating func refreshGeometry() {
        let m = Self.measure(ids: ids, width: width, height: height)
        for k in segments.indices {
            if let g = m[segments[k].id] {
                segments[k].area = g.area
                segments[k].bbox = g.bbox
            } else {
                segments[k].area = 0
                segments[k].bbox = [0, 0, 0, 0]
            }
        }
    }

    /// The segment with panoptic id `id`, if any.
    public func segment(id: Int) -> Segment? { segments.first { $0.id == id } }

    /// The binary mask of segment `id` as a COCO RLE (column-major runs).
    public func rle(of id: Int) -> RLE {
        let target = Int32(truncatingIfNeeded: id)
        var counts: [UInt32] = []
        var current = false
        var run: UInt32 = 0
        for x in 0..<width {
            var i = x
            for _ in 0..<height {
                let v = ids[i] == target
                if v != current { counts.append(run); run = 0; current = v }
                run += 1
                i += width
            }
        }
        counts.append(run)
        return RLE(height: height, width: width, counts: counts)
    }

    /// RLEs of all segments at once, keyed by id, in one pass over the map.
    public func rles() -> [Int: RLE] {
        var state: [Int32: (counts: [UInt32], last: Int)] = [:] // last = column-major end of the last 1-run
        let n = width * height
        var p = 0
        var prev: Int32 = -1
        var runStart = 0
        func close(_ v: Int32, _ start: Int, _ end: Int) {
            guard v != 0 else { return }
            var s = state[v] ?? ([], 0)
            s.counts.append(UInt32(start - s.last))
            s.counts.append(UInt32(end - start))
            s.last = end
            state[v] = s
        }
        for x in 0..<width {
            var i = x
            for _ in 0..<height {
                let v = ids[i]
                if v != prev {
                    if prev >= 0 { close(prev, runStart, p) }
                    prev = v; runStart = p
                }
                p += 1
                i += width
            }
        }
        if prev >= 0 { close(prev, runStart, p) }
        var out: [Int: RLE] = [:]
        for (k, s) in state {
            var counts = s.counts
            if s.last < n { counts.append(UInt32(n - s.last)) }
            out[Int(k)] = RLE(height: height, width: width, counts: counts)
        }
        return out
    }
}
