import VPSCore
import VPSFormats

/// Accumulated tube-matching statistics of one category.
public struct PQStat: Equatable, Sendable, Codable {
    public var iou: Double = 0
    public var tp = 0
    public var fp = 0
    public var fn = 0
    public init() {}
    public static func += (a: inout PQStat, b: PQStat) {
        a.iou += b.iou; a.tp += b.tp; a.fp += b.fp; a.fn += b.fn
    }
}

/// PQ, SQ and RQ averaged over categories (fractions in 0…1), and how many
/// categories took part (`n`, those with any TP, FP or FN).
public struct PQSummary: Equatable, Sendable, Codable {
    public var pq: Double
    public var sq: Double
    public var rq: Double
    public var n: Int
}

/// Per-category PQ figures of one window size.
public struct PQClassResult: Equatable, Sendable, Codable {
    public var categoryId: Int
    public var pq: Double, sq: Double, rq: Double
    public var stat: PQStat
}

/// Video panoptic quality as VPSNet's `tools/eval_vpq.py` computes it.
///
/// - The evaluated frames are every `stride`-th frame from 0 (Cityscapes-VPS
///   annotates every 5th frame, so stride 5 makes windows span k = 0, 5, 10, 15
///   frames). A window of `nframes` = 1…4 consecutive evaluated frames forms
///   tubes; k = (nframes − 1)·5 names it, as in the reference.
/// - In a window, a gt tube and a pred tube of the same category match when
///   IoU > 0.5, with union = |pred| + |gt| − |gt∩pred| − |pred ∩ gt void|.
///   Crowd gt segments are skipped; unmatched gt tubes are FN; unmatched pred
///   tubes are FP unless more than half of them lies on gt void (plus the
///   category's crowd region).
/// - Statistics are summed over windows and videos; PQ = Σ IoU / (TP + FP/2 + FN/2),
///   averaged over the categories of the label set that have any TP, FP or FN,
///   for all, things and stuff. VPQ is the mean over the four windows.
public struct VPQAccumulator: Sendable {
    public static let windowSizes = [1, 2, 3, 4]
    public let categories: [Category]
    public let stride: Int
    /// Summed statistics per window size (index 0 = 1 frame) and category.
    public private(set) var stats: [[Int: PQStat]]
    var window: [FrameOverlap] = []
    var seen = 0

    public init(categories: [Category], stride: Int = 5) {
        self.categories = categories
        self.stride = max(1, stride)
        stats = Array(repeating: [:], count: Self.windowSizes.count)
    }

    /// Starts a new video: windows never span two videos.
    public mutating func beginVideo() {
        window.removeAll()
        seen = 0
    }

    /// Feeds the next frame of the current video (all frames; the stride is applied here).
    public mutating func add(_ frame: FrameOverlap) {
        defer { seen += 1 }
        guard seen % stride == 0 else { return }
        window.append(frame)
        if window.count > Self.windowSizes.last! { window.removeFirst() }
        for (w, n) in Self.windowSizes.enumerated() where window.count >= n {
            let s = Self.matchTubes(Array(window.suffix(n)))
            for (c, v) in s { stats[w][c, default: PQStat()] += v }
        }
    }

    /// Adds another accumulator's statistics (e.g. of other videos).
    public mutating func merge(_ other: VPQAccumulator) {
        for w in stats.indices { for (c, v) in other.stats[w] { stats[w][c, default: PQStat()] += v } }
    }

    /// Matches the tubes of one window and returns per-category statistics.
    static func matchTubes(_ frames: [FrameOverlap]) -> [Int: PQStat] {
        struct Tube { var category: Int; var area: Int; var crowd: Bool }
        var gt: [Int: Tube] = [:], gtOrder: [Int] = []
        var pred: [Int: Tube] = [:], predOrder: [Int] = []
        var pairs: [FrameOverlap.Pair: Int] = [:]
        for f in frames {
            for s in f.gtSegments {
                if gt[s.id] == nil { gt[s.id] = Tube(category: s.categoryId, area: s.area, crowd: s.isCrowd); gtOrder.append(s.id) } else { gt[s.id]!.area += s.area }
            }
            for s in f.predSegments {
                if pred[s.id] == nil { pred[s.id] = Tube(category: s.categoryId, area: s.area, crowd: false); predOrder.append(s.id) } else { pred[s.id]!.area += s.area }
            }
            for (k, v) in f.pairs { pairs[k, default: 0] += v }
        }
        var out: [Int: PQStat] = [:]
        var gtMatched: Set<Int> = [], predMatched: Set<Int> = []
        for key in pairs.keys.sorted() {
            let inter = pairs[key]!
            guard let g = gt[key.gt], let p = pred[key.pred], !g.crowd, g.category == p.category else { continue }
            let union = p.area + g.area - inter - (pairs[.init(0, key.pred)] ?? 0)
            let iou = Double(inter) / Double(union)
            if iou > 0.5 {
                out[g.category, default: PQStat()].tp += 1
                out[g.category, default: PQStat()].iou += iou
                gtMatched.insert(key.gt)
                predMatched.insert(key.pred)
            }
        }
        var crowdOf: [Int: Int] = [:]
        for id in gtOrder where !gtMatched.contains(id) {
            let g = gt[id]!
            if g.crowd { crowdOf[g.category] = id; continue }
            out[g.category, default: PQStat()].fn += 1
        }
        for id in predOrder where !predMatched.contains(id) {
            let p = pred[id]!
            var inter = pairs[.init(0, id)] ?? 0
            if let c = crowdOf[p.category] { inter += pairs[.init(c, id)] ?? 0 }
            if Double(inter) / Double(p.area) > 0.5 { continue }
            out[p.category, default: PQStat()].fp += 1
        }
        return out
    }

    /// PQ/SQ/RQ over the label set's categories (`isThing` nil: all) for
    /// window `w` (0…3), and the per-category figures; `nil` summary when no
    /// category took part.
    public func summary(window w: Int, isThing: Bool?) -> (PQSummary?, [PQClassResult]) {
        var pq = 0.0, sq = 0.0, rq = 0.0, n = 0
        var per: [PQClassResult] = []
        for c in categories {
            if let t = isThing, t != c.isThing { continue }
            let s = stats[w][c.id] ?? PQStat()
            if s.tp + s.fp + s.fn == 0 {
                per.append(PQClassResult(categoryId: c.id, pq: 0, sq: 0, rq: 0, stat: s))
                continue
            }
            n += 1
            let d = Double(s.tp) + 0.5 * Double(s.fp) + 0.5 * Double(s.fn)
            let r = PQClassResult(categoryId: c.id, pq: s.iou / d, sq: s.tp != 0 ? s.iou / Double(s.tp) : 0,
                                  rq: Double(s.tp) / d, stat: s)
            per.append(r)
            pq += r.pq; sq += r.sq; rq += r.rq
        }
        guard n > 0 else { return (nil, per) }
        return (PQSummary(pq: pq / Double(n), sq: sq / Double(n), rq: rq / Double(n), n: n), per)
    }

    /// The final figures: per window and the mean over windows.
    public func result() -> VPQResult {
        var windows: [VPQWindowResult] = []
        for (w, n) in Self.windowSizes.enumerated() {
            let (all, per) = summary(window: w, isThing: nil)
            windows.append(VPQWindowResult(k: (n - 1) * 5, all: all, things: summary(window: w, isThing: true).0,
                                           stuff: summary(window: w, isThing: false).0, perClass: per))
        }
        func mean(_ f: (VPQWindowResult) -> PQSummary?) -> Double? {
            let v = windows.compactMap { f($0)?.pq }
            return v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
        }
        return VPQResult(vpq: mean(\.all), vpqThings: mean(\.things), vpqStuff: mean(\.stuff), windows: windows)
    }
}

/// VPQ figures of one window size k.
public struct VPQWindowResult: Equatable, Sendable, Codable {
    public var k: Int
    public var all: PQSummary?
    public var things: PQSummary?
    public var stuff: PQSummary?
    public var perClass: [PQClassResult]
}

/// VPQ (fractions 0…1; the reference prints ×100): mean over the windows
/// that have any statistics. `nil` when no window has any.
public struct VPQResult: Equatable, Sendable, Codable {
    public var vpq: Double?
    public var vpqThings: Double?
    public var vpqStuff: Double?
    public var windows: [VPQWindowResult]
}
