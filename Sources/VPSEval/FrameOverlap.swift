import VPSCore
import VPSFormats

/// Everything the metrics need from one (ground truth, prediction) frame pair:
/// the overlap count of every (gt id, pred id) pair of panoptic ids (0 = void)
/// and each side's segments. All metrics of `vps eval` are functions of a
/// sequence of these, so a video is read once and never held in memory.
public struct FrameOverlap: Sendable {
    /// Pixel counts keyed by (gt id, pred id); ids are panoptic ids, 0 = void.
    public var pairs: [Pair: Int]
    /// Ground-truth segments in `segments_info` order, with pixel areas.
    public var gtSegments: [Segment]
    /// Predicted segments with pixel areas; segments with no pixels are dropped.
    public var predSegments: [Segment]
    public var width: Int
    public var height: Int

    public struct Pair: Hashable, Sendable, Comparable {
        public var gt: Int
        public var pred: Int
        public init(_ gt: Int, _ pred: Int) { self.gt = gt; self.pred = pred }
        public static func < (a: Pair, b: Pair) -> Bool { a.gt != b.gt ? a.gt < b.gt : a.pred < b.pred }
    }

    /// Counts the overlaps of two frames of the same size. Predicted segments
    /// must have a category from `categories`.
    public init(gt: PanopticFrame, pred: PanopticFrame, categories: [Category]) throws {
        guard gt.width == pred.width, gt.height == pred.height else {
            throw VPSError.invalidArgument("frame \(gt.index): prediction is \(pred.width)x\(pred.height), ground truth \(gt.width)x\(gt.height)")
        }
        width = gt.width
        height = gt.height
        var counts: [UInt64: Int] = [:]
        gt.ids.withUnsafeBufferPointer { g in
            pred.ids.withUnsafeBufferPointer { p in
                var lastKey: UInt64 = .max
                var run = 0
                for i in 0..<g.count {
                    let key = UInt64(UInt32(bitPattern: g[i])) << 32 | UInt64(UInt32(bitPattern: p[i]))
                    if key == lastKey { run += 1; continue }
                    if run > 0 { counts[lastKey, default: 0] += run }
                    lastKey = key
                    run = 1
                }
                if run > 0 { counts[lastKey, default: 0] += run }
            }
        }
        var gtArea: [Int: Int] = [:], predArea: [Int: Int] = [:]
        var pairs: [Pair: Int] = [:]
        pairs.reserveCapacity(counts.count)
        for (k, c) in counts {
            let gi = Int(k >> 32), pi = Int(k & 0xffff_ffff)
            pairs[Pair(gi, pi)] = c
            gtArea[gi, default: 0] += c
            predArea[pi, default: 0] += c
        }
        self.pairs = pairs
        gtSegments = gt.segments.map { var s = $0; s.area = gtArea[s.id] ?? 0; return s }
        let known = Set(categories.map(\.id))
        var preds: [Segment] = []
        var listed: Set<Int> = []
        for s in pred.segments where !listed.contains(s.id) {
            listed.insert(s.id)
            guard let a = predArea[s.id], a > 0 else { continue }
            guard known.contains(s.categoryId) else {
                throw VPSError.invalidArgument("frame \(pred.index): predicted segment \(s.id) has unknown category_id \(s.categoryId)")
            }
            var t = s; t.area = a
            preds.append(t)
        }
        if let missing = predArea.keys.sorted().first(where: { $0 != 0 && !listed.contains($0) }) {
            throw VPSError.invalidArgument("frame \(pred.index): predicted id \(missing) has no segments_info entry")
        }
        predSegments = preds
    }
}
