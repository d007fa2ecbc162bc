import VPSCore
import VPSFormats

/// Fuses a frame's tracked instances and its stuff labelling into one
/// panoptic frame (things, stuff, void).
///
/// The rule is Detectron2's `combine_semantic_and_instance_outputs`
/// (detectron2/modeling/meta_arch/panoptic_fpn.py), itself panopticapi's
/// heuristic, with vps's segment ids:
///
/// 1. Instances are visited in descending score order; equal scores keep
///    their input order (Detectron2 leaves ties to an unstable sort).
/// 2. The first instance with a score below `scoreThreshold` ends the pass
///    (all later ones score lower).
/// 3. An empty mask is skipped.
/// 4. An instance whose overlap with already painted pixels, divided by its
///    own area, exceeds `overlapThreshold` is skipped; otherwise it paints
///    only its pixels that are still void.
/// 5. Then each stuff label in ascending order (label 0, 'things', skipped)
///    claims its still-void pixels, but only if there are at least
///    `stuffAreaThreshold` of them; everything left is void (0).
///
/// Ids: a thing is `segmentId(category:trackId:)`
/// (category·1000 + instance) with `Segment.trackId` = the track ID and its
/// score kept; stuff is category·1000 with score 1. Segments come in paint
/// order (things by score, then stuff by category), with areas and tight
/// boxes from the map; a segment that ends up with no pixels is dropped.
///
/// Cost: the size of each instance's crop, plus two passes over the frame
/// when there is a stuff map.
///
/// The thresholds are the `panoptic` stage's settings in `pipelines/*.yaml`
/// (`overlap_threshold`, `stuff_area_threshold`, `score_threshold`), each
/// defaulting to Detectron2's value below.
public struct PanopticFusion: SettingsDecodable, Equatable, Sendable {
    /// Largest fraction of an instance's area that may already be taken by
    /// better instances; above it the instance is dropped (Detectron2: 0.5).
    public var overlapThreshold = 0.5
    /// Fewest still-void pixels a stuff label needs to become a segment (Detectron2: 4096).
    public var stuffAreaThreshold = 4096
    /// Instances scoring below this are not painted (Detectron2: 0.5).
    public var scoreThreshold = 0.5

    /// Detectron2's thresholds.
    public init() {}

    /// The thresholds given; Detectron2's for the others.
    public init(overlapThreshold: Double? = nil, stuffAreaThreshold: Int? = nil, scoreThreshold: Double? = nil) {
        if let overlapThreshold { self.overlapThreshold = overlapThreshold }
        if let stuffAreaThreshold { self.stuffAreaThreshold = stuffAreaThreshold }
        if let scoreThreshold { self.scoreThreshold = scoreThreshold }
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case overlapThreshold = "overlap_threshold", stuffAreaThreshold = "stuff_area_threshold"
        case scoreThreshold = "score_threshold"
    }

    public static let settingsOwner = "panoptic"

    /// Decodes the keys present and keeps Detectron2's values for the others;
    /// unknown keys and out-of-range values are `VPSError.invalidPipeline`.
    public init(from decoder: Decoder) throws {
        self = try Self.decoded(from: decoder) { c, s in
            try c.decode(.overlapThreshold, into: &s.overlapThreshold)
            try c.decode(.stuffAreaThreshold, into: &s.stuffAreaThreshold)
            try c.decode(.scoreThreshold, into: &s.scoreThreshold)
        }
    }

    /// Checks ranges; throws `VPSError.invalidPipeline` naming the key.
    public func validate() throws {
        guard (0...1).contains(overlapThreshold) else {
            throw VPSError.invalidPipeline("panoptic overlap_threshold must be within 0…1 (the largest covered fraction of an instance), got \(overlapThreshold)")
        }
        guard stuffAreaThreshold >= 0 else {
            throw VPSError.invalidPipeline("panoptic stuff_area_threshold must be a pixel count ≥ 0, got \(stuffAreaThreshold)")
        }
        guard (0...1).contains(scoreThreshold) else {
            throw VPSError.invalidPipeline("panoptic score_threshold must be within 0…1, got \(scoreThreshold)")
        }
    }

    /// The panoptic segment id of track `trackId` (from 1) of `category`:
    /// `category · 1000 + instance`, the instance counting 1…999 and wrapping
    /// after 999 tracks of a class (`Segment.trackId` keeps the full ID).
    public static func segmentId(category: Int, trackId: Int) -> Int {
        category * 1000 + (trackId - 1) % 999 + 1
    }

    /// The panoptic frame of `instances` over `stuff`.
    ///
    /// - Parameters:
    ///   - index: the frame's position in its video (`PanopticFrame.index`).
    ///   - width, height: the frame size in pixels; every mask must be of this frame.
    ///   - instances: the frame's instances (category ids), in detector order (ties keep it).
    ///   - trackIds: one per instance, the track ID (from 1); an instance
    ///     without one, or without a mask, is not an object of the output.
    ///   - stuff: stuff category ids per pixel, `stuff[y * width + x]`, 0 for
    ///     'things' or nothing; nil when the model has no semantic head.
    public func fuse(index: Int, width: Int, height: Int, instances: [Instance], trackIds: [Int?],
                     stuff: [Int32]? = nil) -> PanopticFrame {
        precondition(trackIds.count == instances.count, "\(trackIds.count) track IDs for \(instances.count) instances")
        precondition(stuff == nil || stuff!.count == width * height, "stuff map does not match \(width)x\(height)")
        var ids = [Int32](repeating: 0, count: width * height)
        var segments: [Segment] = []
        var used = Set<Int>()
        // A stable descending sort: the index breaks ties.
        let order = instances.indices.filter { trackIds[$0] != nil && instances[$0].mask != nil }.sorted {
            instances[$0].score != instances[$1].score ? instances[$0].score > instances[$1].score : $0 < $1
        }
        for k in order {
            let inst = instances[k], trackId = trackIds[k]!, m = inst.mask!
            if inst.score < scoreThreshold { break }
            precondition(m.frameWidth == width && m.frameHeight == height,
                         "mask of a \(m.frameWidth)x\(m.frameHeight) frame fused into \(width)x\(height)")
            if m.isEmpty { continue }
            let taken = Self.takenArea(m, ids, width)
            if Double(taken) / Double(m.area) > overlapThreshold { continue }
            let sid = Self.freeId(category: inst.category, trackId: trackId, used: used)
            used.insert(sid)
            Self.paint(m, Int32(sid), &ids, width)
            segments.append(Segment(id: sid, categoryId: inst.category, trackId: trackId, score: inst.score))
        }
        if let stuff {
            segments += Self.addStuff(stuff, &ids, minimumArea: stuffAreaThreshold)
        }
        var frame = PanopticFrame(index: index, width: width, height: height, ids: ids, segments: segments)
        frame.refreshGeometry()
        frame.segments.removeAll { $0.area == 0 }
        return frame
    }

    /// Pixels of `m` already painted in `ids`.
    static func takenArea(_ m: BinaryMask, _ ids: [Int32], _ width: Int) -> Int {
        var n = 0
        m.bits.withUnsafeBufferPointer { b in
            ids.withUnsafeBufferPointer { p in
                for y in 0..<m.height {
                    let row = (m.y0 + y) * width + m.x0, src = y * m.width
                    for x in 0..<m.width where b[src + x] != 0 && p[row + x] != 0 { n += 1 }
                }
            }
        }
        return n
    }

    /// Paints the still-void pixels of `m` with `id`.
    static func paint(_ m: BinaryMask, _ id: Int32, _ ids: inout [Int32], _ width: Int) {
        m.bits.withUnsafeBufferPointer { b in
            ids.withUnsafeMutableBufferPointer { p in
                for y in 0..<m.height {
                    let row = (m.y0 + y) * width + m.x0, src = y * m.width
                    for x in 0..<m.width where b[src + x] != 0 && p[row + x] == 0 { p[row + x] = id }
                }
            }
        }
    }

    /// The track's segment id; when another track of the class took it in
    /// this frame (IDs 999 apart), the next free instance number.
    static func freeId(category: Int, trackId: Int, used: Set<Int>) -> Int {
        var sid = segmentId(category: category, trackId: trackId)
        var tries = 0
        while used.contains(sid), tries < 999 {
            sid = category * 1000 + sid % 1000 % 999 + 1
            tries += 1
        }
        return sid
    }

    /// Gives each stuff label with at least `minimumArea` still-void pixels
    /// those pixels; returns the stuff segments in ascending category order.
    static func addStuff(_ stuff: [Int32], _ ids: inout [Int32], minimumArea: Int) -> [Segment] {
        var areas: [Int32: Int] = [:]
        stuff.withUnsafeBufferPointer { s in
            ids.withUnsafeBufferPointer { p in
                var last: Int32 = 0, run = 0
                for i in 0..<s.count where p[i] == 0 && s[i] != 0 {
                    if s[i] != last { if run > 0 { areas[last, default: 0] += run }; last = s[i]; run = 0 }
                    run += 1
                }
                if run > 0 { areas[last, default: 0] += run }
            }
        }
        let kept = areas.filter { $0.value >= minimumArea }
        guard !kept.isEmpty else { return [] }
        stuff.withUnsafeBufferPointer { s in
            ids.withUnsafeMutableBufferPointer { p in
                var last: Int32 = 0, keep = false
                for i in 0..<s.count where p[i] == 0 && s[i] != 0 {
                    if s[i] != last { last = s[i]; keep = kept[last] != nil }
                    if keep { p[i] = last * 1000 }
                }
            }
        }
        return kept.keys.sorted().map { Segment(id: Int($0) * 1000, categoryId: Int($0)) }
    }
}
