import VPSCore
import VPSFormats

/// One class of one sequence, in TrackEval's preprocessed form: per timestep
/// the (contiguous, 0-based) gt and tracker ids and their mask-IoU matrix.
public struct TrackingSequence: Sendable {
    public var gtIds: [[Int]] = []
    public var trackerIds: [[Int]] = []
    /// Row-major gt×tracker IoU per timestep.
    public var similarity: [[Double]] = []
    public var numGtIds = 0
    public var numTrackerIds = 0
    public var numGtDets: Int { gtIds.reduce(0) { $0 + $1.count } }
    public var numTrackerDets: Int { trackerIds.reduce(0) { $0 + $1.count } }

    public init(gtIds: [[Int]], trackerIds: [[Int]], similarity: [[Double]]) {
        // relabel ids to 0..n-1 in ascending order, as TrackEval does
        let g = Set(gtIds.joined()).sorted(), t = Set(trackerIds.joined()).sorted()
        var gm: [Int: Int] = [:], tm: [Int: Int] = [:]
        for (k, v) in g.enumerated() { gm[v] = k }
        for (k, v) in t.enumerated() { tm[v] = k }
        self.gtIds = gtIds.map { $0.map { gm[$0]! } }
        self.trackerIds = trackerIds.map { $0.map { tm[$0]! } }
        self.similarity = similarity
        numGtIds = g.count
        numTrackerIds = t.count
    }
}

/// HOTA as TrackEval's `metrics/hota.py`: arrays over α = 0.05, 0.10, …, 0.95.
public struct HOTAStats: Sendable {
    public static let alphas: [Double] = (1...19).map { Double($0) * 0.05 }
    public var tp = [Double](repeating: 0, count: 19)
    public var fn = [Double](repeating: 0, count: 19)
    public var fp = [Double](repeating: 0, count: 19)
    public var assA = [Double](repeating: 0, count: 19)
    public var assRe = [Double](repeating: 0, count: 19)
    public var assPr = [Double](repeating: 0, count: 19)
    public var locA = [Double](repeating: 0, count: 19)

    public init() {}

    public var detA: [Double] { (0..<19).map { tp[$0] / max(1, tp[$0] + fn[$0] + fp[$0]) } }
    public var detRe: [Double] { (0..<19).map { tp[$0] / max(1, tp[$0] + fn[$0]) } }
    public var detPr: [Double] { (0..<19).map { tp[$0] / max(1, tp[$0] + fp[$0]) } }
    public var hota: [Double] { let d = detA; return (0..<19).map { (d[$0] * assA[$0]).squareRoot() } }

    /// One sequence (TrackEval `eval_sequence`).
    public static func evaluate(_ s: TrackingSequence) -> HOTAStats {
        var r = HOTAStats()
        let eps = Double.ulpOfOne
        if s.numTrackerDets == 0 {
            r.fn = [Double](repeating: Double(s.numGtDets), count: 19)
            r.locA = [Double](repeating: 1, count: 19)
            return r
        }
        if s.numGtDets == 0 {
            r.fp = [Double](repeating: Double(s.numTrackerDets), count: 19)
            r.locA = [Double](repeating: 1, count: 19)
            return r
        }
        let G = s.numGtIds, T = s.numTrackerIds
        var potential = [Double](repeating: 0, count: G * T)
        var gtCount = [Double](repeating: 0, count: G), trCount = [Double](repeating: 0, count: T)
        for t in s.gtIds.indices {
            let g = s.gtIds[t], k = s.trackerIds[t], sim = s.similarity[t]
            let n = k.count
            var rowSum = [Double](repeating: 0, count: g.count), colSum = [Double](repeating: 0, count: n)
            for a in 0..<g.count { for b in 0..<n { rowSum[a] += sim[a * n + b]; colSum[b] += sim[a * n + b] } }
            for a in 0..<g.count {
                for b in 0..<n {
                    let denom = colSum[b] + rowSum[a] - sim[a * n + b]
                    if denom > 0 + eps { potential[g[a] * T + k[b]] += sim[a * n + b] / denom }
                }
            }
            for a in g { gtCount[a] += 1 }
            for b in k { trCount[b] += 1 }
        }
        var global = [Double](repeating: 0, count: G * T)
        for a in 0..<G { for b in 0..<T { global[a * T + b] = potential[a * T + b] / (gtCount[a] + trCount[b] - potential[a * T + b]) } }
        var matches = [[Double]](repeating: [Double](repeating: 0, count: G * T), count: 19)
        for t in s.gtIds.indices {
            let g = s.gtIds[t], k = s.trackerIds[t], sim = s.similarity[t]
            if g.isEmpty { for a in 0..<19 { r.fp[a] += Double(k.count) }; continue }
            if k.isEmpty { for a in 0..<19 { r.fn[a] += Double(g.count) }; continue }
            let n = k.count
            var score = [Double](repeating: 0, count: g.count * n)
            for a in 0..<g.count { for b in 0..<n { score[a * n + b] = global[g[a] * T + k[b]] * sim[a * n + b] } }
            let m = LinearAssignment.solve(score, rows: g.count, cols: n, maximize: true)
            for (ai, alpha) in alphas.enumerated() {
                var num = 0.0
                for p in m where sim[p.row * n + p.col] >= alpha - eps {
                    num += 1
                    r.locA[ai] += sim[p.row * n + p.col]
                    matches[ai][g[p.row] * T + k[p.col]] += 1
                }
                r.tp[ai] += num
                r.fn[ai] += Double(g.count) - num
                r.fp[ai] += Double(n) - num
            }
        }
        for ai in 0..<19 {
            var a = 0.0, re = 0.0, pr = 0.0
            for x in 0..<G {
                for y in 0..<T {
                    let mc = matches[ai][x * T + y]
                    if mc == 0 { continue }
                    a += mc * (mc / max(1, gtCount[x] + trCount[y] - mc))
                    re += mc * (mc / max(1, gtCount[x]))
                    pr += mc * (mc / max(1, trCount[y]))
                }
            }
            let d = max(1, r.tp[ai])
            r.assA[ai] = a / d; r.assRe[ai] = re / d; r.assPr[ai] = pr / d
            r.locA[ai] = max(1e-10, r.locA[ai]) / max(1e-10, r.tp[ai])
        }
        return r
    }

    /// Combines sequences or classes (TrackEval `combine_sequences` / det-averaged).
    public static func combine(_ parts: [HOTAStats]) -> HOTAStats {
        var r = HOTAStats()
        for p in parts { for a in 0..<19 { r.tp[a] += p.tp[a]; r.fn[a] += p.fn[a]; r.fp[a] += p.fp[a] } }
        for a in 0..<19 {
            let w = max(1, r.tp[a])
            r.assA[a] = parts.reduce(0) { $0 + $1.assA[a] * $1.tp[a] } / w
            r.assRe[a] = parts.reduce(0) { $0 + $1.assRe[a] * $1.tp[a] } / w
            r.assPr[a] = parts.reduce(0) { $0 + $1.assPr[a] * $1.tp[a] } / w
            let loc = parts.reduce(0) { $0 + $1.locA[a] * $1.tp[a] }
            r.locA[a] = max(1e-10, loc) / max(1e-10, r.tp[a])
        }
        return r
    }

    static func mean(_ a: [Double]) -> Double { a.reduce(0, +) / Double(a.count) }

    /// Summary as TrackEval prints it: means over α.
    public var summary: HOTASummary {
        HOTASummary(hota: Self.mean(hota), detA: Self.mean(detA), assA: Self.mean(assA),
                    detRe: Self.mean(detRe), detPr: Self.mean(detPr), assRe: Self.mean(assRe),
                    assPr: Self.mean(assPr), locA: Self.mean(locA))
    }
}

/// HOTA figures averaged over α (fractions 0…1).
public struct HOTASummary: Equatable, Sendable, Codable {
    public var hota, detA, assA, detRe, detPr, assRe, assPr, locA: Double
}

/// CLEAR MOT metrics as TrackEval's `metrics/clear.py` (threshold 0.5).
public struct CLEARStats: Equatable, Sendable, Codable {
    public var tp = 0, fn = 0, fp = 0, idsw = 0, mt = 0, pt = 0, ml = 0, frag = 0
    public var motpSum = 0.0
    public init() {}

    public var mota: Double { Double(tp - fp - idsw) / max(1, Double(tp + fn)) }
    public var motp: Double { motpSum / max(1, Double(tp)) }

    public static func evaluate(_ s: TrackingSequence, threshold: Double = 0.5) -> CLEARStats {
        var r = CLEARStats()
        let eps = Double.ulpOfOne
        if s.numTrackerDets == 0 { r.fn = s.numGtDets; r.ml = s.numGtIds; return r }
        if s.numGtDets == 0 { r.fp = s.numTrackerDets; return r }
        let G = s.numGtIds
        var gtCount = [Int](repeating: 0, count: G), matched = [Int](repeating: 0, count: G)
        var fragCount = [Int](repeating: 0, count: G)
        var prevTracker = [Int?](repeating: nil, count: G)
        var prevStep = [Int?](repeating: nil, count: G)
        for t in s.gtIds.indices {
            let g = s.gtIds[t], k = s.trackerIds[t], sim = s.similarity[t]
            if g.isEmpty { r.fp += k.count; continue }
            if k.isEmpty { r.fn += g.count; for a in g { gtCount[a] += 1 }; continue }
            let n = k.count
            var score = [Double](repeating: 0, count: g.count * n)
            for a in 0..<g.count {
                for b in 0..<n {
                    let sv = sim[a * n + b]
                    score[a * n + b] = sv < threshold - eps ? 0 : (prevStep[g[a]] == k[b] ? 1000 : 0) + sv
                }
            }
            let m = LinearAssignment.solve(score, rows: g.count, cols: n, maximize: true).filter { score[$0.row * n + $0.col] > 0 + eps }
            for p in m {
                let gid = g[p.row], tid = k[p.col]
                if let prev = prevTracker[gid], prev != tid { r.idsw += 1 }
            }
            for a in g { gtCount[a] += 1 }
            for p in m { matched[g[p.row]] += 1 }
            let notPrev = prevStep.map { $0 == nil }
            for p in m { prevTracker[g[p.row]] = k[p.col] }
            prevStep = [Int?](repeating: nil, count: G)
            for p in m { prevStep[g[p.row]] = k[p.col] }
            for a in 0..<G where notPrev[a] && prevStep[a] != nil { fragCount[a] += 1 }
            r.tp += m.count
            r.fn += g.count - m.count
            r.fp += n - m.count
            for p in m { r.motpSum += sim[p.row * n + p.col] }
        }
        for a in 0..<G where gtCount[a] > 0 {
            let ratio = Double(matched[a]) / Double(gtCount[a])
            if ratio > 0.8 { r.mt += 1 } else if ratio >= 0.2 { r.pt += 1 }
        }
        r.ml = G - r.mt - r.pt
        r.frag = fragCount.reduce(0) { $0 + max(0, $1 - 1) }
        return r
    }

    public static func combine(_ parts: [CLEARStats]) -> CLEARStats {
        var r = CLEARStats()
        for p in parts {
            r.tp += p.tp; r.fn += p.fn; r.fp += p.fp; r.idsw += p.idsw
            r.mt += p.mt; r.pt += p.pt; r.ml += p.ml; r.frag += p.frag; r.motpSum += p.motpSum
        }
        return r
    }
}

/// Identity metrics (IDF1, IDP, IDR) as TrackEval's `metrics/identity.py` (threshold 0.5).
public struct IdentityStats: Equatable, Sendable, Codable {
    public var idtp = 0, idfn = 0, idfp = 0
    public init() {}
    public var idf1: Double { Double(idtp) / max(1, Double(idtp) + 0.5 * Double(idfp) + 0.5 * Double(idfn)) }
    public var idp: Double { Double(idtp) / max(1, Double(idtp + idfp)) }
    public var idr: Double { Double(idtp) / max(1, Double(idtp + idfn)) }

    public static func evaluate(_ s: TrackingSequence, threshold: Double = 0.5) -> IdentityStats {
        var r = IdentityStats()
        if s.numTrackerDets == 0 { r.idfn = s.numGtDets; return r }
        if s.numGtDets == 0 { r.idfp = s.numTrackerDets; return r }
        let G = s.numGtIds, T = s.numTrackerIds, N = G + T
        var potential = [Double](repeating: 0, count: G * T)
        var gtCount = [Double](repeating: 0, count: G), trCount = [Double](repeating: 0, count: T)
        for t in s.gtIds.indices {
            let g = s.gtIds[t], k = s.trackerIds[t], sim = s.similarity[t]
            for a in 0..<g.count { for b in 0..<k.count where sim[a * k.count + b] >= threshold { potential[g[a] * T + k[b]] += 1 } }
            for a in g { gtCount[a] += 1 }
            for b in k { trCount[b] += 1 }
        }
        var fpm = [Double](repeating: 0, count: N * N), fnm = [Double](repeating: 0, count: N * N)
        for i in G..<N { for j in 0..<T { fpm[i * N + j] = 1e10 } }
        for i in 0..<G { for j in T..<N { fnm[i * N + j] = 1e10 } }
        for g in 0..<G {
            for j in 0..<T { fnm[g * N + j] = gtCount[g] }
            fnm[g * N + T + g] = gtCount[g]
        }
        for t in 0..<T {
            for i in 0..<G { fpm[i * N + t] = trCount[t] }
            fpm[(t + G) * N + t] = trCount[t]
        }
        for g in 0..<G { for t in 0..<T { fnm[g * N + t] -= potential[g * T + t]; fpm[g * N + t] -= potential[g * T + t] } }
        let cost = (0..<(N * N)).map { fnm[$0] + fpm[$0] }
        let m = LinearAssignment.solve(cost, rows: N, cols: N)
        var fnSum = 0.0, fpSum = 0.0
        for p in m { fnSum += fnm[p.row * N + p.col]; fpSum += fpm[p.row * N + p.col] }
        r.idfn = Int(fnSum)
        r.idfp = Int(fpSum)
        r.idtp = Int(gtCount.reduce(0, +)) - r.idfn
        return r
    }

    public static func combine(_ parts: [IdentityStats]) -> IdentityStats {
        var r = IdentityStats()
        for p in parts { r.idtp += p.idtp; r.idfn += p.idfn; r.idfp += p.idfp }
        return r
    }
}
