import VPSCore
import VPSFormats

/// Mask flicker: the temporal consistency of instance masks.
///
/// For each pair of consecutive frames (t−1, t), the id map of frame t−1 is
/// warped into frame t's geometry with nearest-neighbour sampling by the flow
/// from frame t to frame t−1 (backward warp, replicated border, as
/// `VPSMotion.Warp`), and every instance present in both frames gets the IoU of
/// its warped and current masks. TC (temporal consistency) is the mean of
/// those IoUs over all (instance, frame pair)s: 1 means masks move exactly
/// with the image; flicker shows as lower TC. Without a flow (no frames to
/// estimate it from) the warp is the identity. `vps eval` reports TC of the
/// prediction and of the ground truth; their difference is the flicker the
/// prediction adds.
public struct FlickerAccumulator: Sendable {
    let thingIds: Set<Int>
    var previous: [Int32]?
    public internal(set) var sum = 0.0
    public internal(set) var count = 0

    public init(categories: [Category]) {
        thingIds = Set(categories.filter(\.isThing).map(\.id))
    }

    /// Mean IoU so far; nil when no instance appeared in two consecutive frames.
    public var temporalConsistency: Double? { count > 0 ? sum / Double(count) : nil }

    public mutating func beginVideo() { previous = nil }

    /// Feeds the next frame; `flow` is the flow from this frame to the previous one
    /// (ignored for the first frame of a video).
    public mutating func add(_ frame: PanopticFrame, flow: FlowField?) {
        defer { previous = frame.ids }
        guard let prev = previous, prev.count == frame.ids.count else { return }
        let warped = flow.map { Self.warpNearest(prev, width: frame.width, height: frame.height, by: $0) } ?? prev
        let things = Set(frame.segments.filter { thingIds.contains($0.categoryId) && !$0.isCrowd }.map { Int32($0.id) })
        // count (warped id, current id) pairs over runs of equal pairs: one hash per run
        var pairs: [UInt64: Int] = [:]
        var last: UInt64 = .max, run = 0
        for i in warped.indices {
            let key = UInt64(UInt32(bitPattern: warped[i])) << 32 | UInt64(UInt32(bitPattern: frame.ids[i]))
            if key == last { run += 1; continue }
            if run > 0 { pairs[last, default: 0] += run }
            last = key; run = 1
        }
        if run > 0 { pairs[last, default: 0] += run }
        var inter: [Int32: Int] = [:], areaW: [Int32: Int] = [:], areaC: [Int32: Int] = [:]
        for (key, n) in pairs {
            let a = Int32(bitPattern: UInt32(key >> 32)), b = Int32(bitPattern: UInt32(key & 0xffff_ffff))
            if things.contains(a) { areaW[a, default: 0] += n }
            if things.contains(b) { areaC[b, default: 0] += n }
            if a == b && things.contains(a) { inter[a, default: 0] += n }
        }
        let prevIds = Set(prev)
        for id in things.sorted() where prevIds.contains(id) {
            let c = areaC[id] ?? 0
            guard c > 0 else { continue }
            let i = inter[id] ?? 0
            let u = (areaW[id] ?? 0) + c - i
            sum += u > 0 ? Double(i) / Double(u) : 0
            count += 1
        }
    }

    /// Backward nearest-neighbour warp of an id map (`BackwardWarp.nearest`):
    /// out(p) = ids(round(p + flow(p))), clamped to the image. The flow must have the map's size.
    public static func warpNearest(_ ids: [Int32], width: Int, height: Int, by flow: FlowField) -> [Int32] {
        precondition(flow.width == width && flow.height == height, "flow does not match the id map")
        var out = [Int32](repeating: 0, count: ids.count)
        BackwardWarp.forEachNearest(flow) { x, y, sx, sy in out[y * width + x] = ids[sy * width + sx] }
        return out
    }
}
