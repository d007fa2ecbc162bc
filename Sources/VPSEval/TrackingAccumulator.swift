import VPSCore
import VPSFormats

/// Collects, per video and thing class, the detections TrackEval's MOTS
/// evaluation sees: gt dets are non-crowd thing segments, tracker dets are
/// predicted segments of the class, identities are panoptic ids, and the
/// similarity is mask IoU (pycocotools `iou` with iscrowd = 0). The MOTS
/// preprocessing of TrackEval's `MOTSChallenge` dataset is applied per
/// frame: tracker dets left unmatched by a Hungarian match at IoU ≥ 0.5 are
/// dropped when more than half of their area lies in the ignore region,
/// which here is the gt void pixels plus the crowd segments.
public struct TrackingAccumulator: Sendable {
    public let thingIds: [Int]
    struct Raw: Sendable { var gt: [[Int]] = []; var tr: [[Int]] = []; var sim: [[Double]] = [] }
    var current: [Int: Raw] = [:]
    /// Per class: finished sequences.
    public private(set) var sequences: [Int: [TrackingSequence]] = [:]

    public init(categories: [Category]) {
        thingIds = categories.filter(\.isThing).map(\.id)
    }

    public mutating func beginVideo() {
        finishVideo()
        current = Dictionary(uniqueKeysWithValues: thingIds.map { ($0, Raw()) })
    }

    public mutating func add(_ f: FrameOverlap) {
        if current.isEmpty { current = Dictionary(uniqueKeysWithValues: thingIds.map { ($0, Raw()) }) }
        let ignoreIds = [0] + f.gtSegments.filter(\.isCrowd).map(\.id)
        for c in thingIds {
            let g = f.gtSegments.filter { $0.categoryId == c && !$0.isCrowd && $0.area > 0 }
            var p = f.predSegments.filter { $0.categoryId == c && $0.area > 0 }
            var sim = Self.similarity(f, g, p)
            let drop = Self.inIgnoreRegion(f, g, p, sim, ignoreIds: ignoreIds)
            if !drop.isEmpty {
                p = p.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
                sim = Self.similarity(f, g, p)
            }
            current[c]!.gt.append(g.map(\.id))
            current[c]!.tr.append(p.map(\.id))
            current[c]!.sim.append(sim)
        }
    }

    /// Row-major gt×tracker mask IoU.
    static func similarity(_ f: FrameOverlap, _ g: [Segment], _ p: [Segment]) -> [Double] {
        var sim = [Double](repeating: 0, count: g.count * p.count)
        for (a, gs) in g.enumerated() {
            for (b, ps) in p.enumerated() {
                let inter = f.pairs[.init(gs.id, ps.id)] ?? 0
                if inter > 0 { sim[a * p.count + b] = Double(inter) / Double(gs.area + ps.area - inter) }
            }
        }
        return sim
    }

    /// Indices of tracker dets that TrackEval's MOTS preprocessing removes:
    /// unmatched at IoU ≥ 0.5 and more than half inside the ignore region.
    static func inIgnoreRegion(_ f: FrameOverlap, _ g: [Segment], _ p: [Segment], _ sim: [Double], ignoreIds: [Int]) -> Set<Int> {
        guard !p.isEmpty else { return [] }
        let eps = Double.ulpOfOne
        var matched = Set<Int>()
        if !g.isEmpty {
            let scores = sim.map { $0 < 0.5 - eps ? -10000 : $0 }
            for m in LinearAssignment.solve(scores, rows: g.count, cols: p.count, maximize: true)
            where scores[m.row * p.count + m.col] > 0 + eps { matched.insert(m.col) }
        }
        var drop = Set<Int>()
        for (b, s) in p.enumerated() where !matched.contains(b) {
            let inter = ignoreIds.reduce(0) { $0 + (f.pairs[.init($1, s.id)] ?? 0) }
            if Double(inter) / Double(s.area) > 0.5 + eps { drop.insert(b) }
        }
        return drop
    }

    /// Closes the current video (called by `beginVideo` and `result`).
    public mutating func finishVideo() {
        for (c, r) in current where !r.gt.isEmpty {
            sequences[c, default: []].append(TrackingSequence(gtIds: r.gt, trackerIds: r.tr, similarity: r.sim))
        }
        current = [:]
    }

    /// Results per class and combined over classes by detections (TrackEval's
    /// `cls_comb_det_av`), each combined over all sequences.
    public mutating func result() -> TrackingResult {
        finishVideo()
        var perClass: [TrackingClassResult] = []
        var hs: [HOTAStats] = [], cs: [CLEARStats] = [], ids: [IdentityStats] = []
        for c in thingIds {
            let seqs = sequences[c] ?? []
            let h = HOTAStats.combine(seqs.map(HOTAStats.evaluate))
            let cl = CLEARStats.combine(seqs.map { CLEARStats.evaluate($0) })
            let id = IdentityStats.combine(seqs.map { IdentityStats.evaluate($0) })
            hs.append(h); cs.append(cl); ids.append(id)
            perClass.append(TrackingClassResult(categoryId: c, figures: TrackingFigures(h, cl, id)))
        }
        let all = TrackingFigures(HOTAStats.combine(hs), CLEARStats.combine(cs), IdentityStats.combine(ids))
        return TrackingResult(combined: all, perClass: perClass)
    }

    /// Per-video results (combined over classes).
    public func videoResult(_ k: Int) -> TrackingFigures {
        var hs: [HOTAStats] = [], cs: [CLEARStats] = [], ids: [IdentityStats] = []
        for c in thingIds {
            guard let seqs = sequences[c], k < seqs.count else { continue }
            hs.append(HOTAStats.evaluate(seqs[k])); cs.append(CLEARStats.evaluate(seqs[k])); ids.append(IdentityStats.evaluate(seqs[k]))
        }
        return TrackingFigures(HOTAStats.combine(hs), CLEARStats.combine(cs), IdentityStats.combine(ids))
    }
}

/// The tracking figures reported by `vps eval` (fractions 0…1, counts as integers).
public struct TrackingFigures: Equatable, Sendable, Codable {
    public var hota: HOTASummary
    public var mota: Double
    public var motp: Double
    public var idf1: Double
    public var idp: Double
    public var idr: Double
    public var clear: CLEARStats
    public var identity: IdentityStats

    public init(_ h: HOTAStats, _ c: CLEARStats, _ i: IdentityStats) {
        hota = h.summary
        mota = c.mota
        motp = c.motp
        idf1 = i.idf1
        idp = i.idp
        idr = i.idr
        clear = c
        identity = i
    }
}

public struct TrackingClassResult: Equatable, Sendable, Codable {
    public var categoryId: Int
    public var figures: TrackingFigures
}

public struct TrackingResult: Equatable, Sendable, Codable {
    public var combined: TrackingFigures
    public var perClass: [TrackingClassResult]
}
