import VPSCore

/// How the tracks of two neighbouring chunks were matched at their boundary.
public struct BoundaryLink: Equatable, Sendable {
    /// The first frame of the later chunk's core.
    public var frame: Int
    /// The frames compared: both chunks' exports hold them (or, without
    /// overlap, the last core frame of one and the first of the other).
    public var comparedFrames: Int
    /// Later chunk's track → earlier chunk's track.
    public var links: [Int: Int]
    /// Mean overlap score of the accepted links (0 when none).
    public var meanScore: Double
    /// Tracks of the earlier chunk alive in its last core frame.
    public var endingTracks: Int
    /// Tracks of the later chunk alive in its first core frame.
    public var startingTracks: Int
    /// Of those, the ones linked to an earlier track.
    public var continuedTracks: Int
}

/// Matches the tracks of two neighbouring chunks on the frames both saw.
///
/// For every pair (earlier track a, later track b) of the same category the
/// score is the sum of their mask IoUs (box IoUs for box-only exports) over
/// the compared frames, divided by the number of compared frames in which a
/// or b appears: 1 when they cover the same pixels throughout, lower when
/// they drift apart or one is missing. A Hungarian assignment maximises the
/// total score; pairs scoring below `minScore` stay unlinked, and an unlinked
/// later track starts a new ID.
///
/// Without overlap, the earlier chunk's last core frame is compared with the
/// later chunk's first core frame: objects then move by one frame between
/// the two, so links hold for slow motion only.
public enum TrackLinker {
    public static func link(_ a: ChunkExport, _ b: ChunkExport, minScore: Double = 0.5) throws -> BoundaryLink {
        let aCore = a.manifest.chunk.core.range, bCore = b.manifest.chunk.core.range
        let from = max(a.manifest.chunk.frames.first, b.manifest.chunk.frames.first)
        let to = min(a.manifest.chunk.frames.last, b.manifest.chunk.frames.last)
        let shared = from..<max(from, to + 1)
        var pairs: [(earlier: [ChunkInstance], later: [ChunkInstance])] = []
        if shared.isEmpty {
            pairs.append((try a.instances(at: aCore.upperBound - 1), try b.instances(at: bCore.lowerBound)))
        } else {
            for t in shared { pairs.append((try a.instances(at: t), try b.instances(at: t))) }
        }
        var link = score(pairs, minScore: minScore)
        link.frame = bCore.lowerBound
        link.endingTracks = Set(try a.instances(at: aCore.upperBound - 1).map(\.track)).count
        let starting = Set(try b.instances(at: bCore.lowerBound).map(\.track))
        link.startingTracks = starting.count
        link.continuedTracks = starting.filter { link.links[$0] != nil }.count
        return link
    }

    /// The links for per-frame instance pairs (earlier chunk's, later chunk's).
    public static func score(_ frames: [(earlier: [ChunkInstance], later: [ChunkInstance])], minScore: Double) -> BoundaryLink {
        var rows: [Int] = [], cols: [Int] = []
        var rowOf: [Int: Int] = [:], colOf: [Int: Int] = [:]
        var presentA: [Int: Int] = [:], presentB: [Int: Int] = [:]
        var sum: [Int: [Int: Double]] = [:], both: [Int: [Int: Int]] = [:]
        for (ea, lb) in frames {
            for x in ea where rowOf[x.track] == nil { rowOf[x.track] = rows.count; rows.append(x.track) }
            for y in lb where colOf[y.track] == nil { colOf[y.track] = cols.count; cols.append(y.track) }
            for x in Set(ea.map(\.track)) { presentA[x, default: 0] += 1 }
            for y in Set(lb.map(\.track)) { presentB[y, default: 0] += 1 }
            for x in ea {
                for y in lb where y.categoryId == x.categoryId {
                    sum[x.track, default: [:]][y.track, default: 0] += overlap(x, y)
                    both[x.track, default: [:]][y.track, default: 0] += 1
                }
            }
        }
        var result = BoundaryLink(frame: 0, comparedFrames: frames.count, links: [:], meanScore: 0, endingTracks: 0, startingTracks: 0, continuedTracks: 0)
        guard !rows.isEmpty, !cols.isEmpty else { return result }
        var scoreMatrix = [Double](repeating: 0, count: rows.count * cols.count)
        for (i, x) in rows.enumerated() {
            for (j, y) in cols.enumerated() {
                guard let s = sum[x]?[y], let n = both[x]?[y] else { continue }
                let union = presentA[x, default: 0] + presentB[y, default: 0] - n
                scoreMatrix[i * cols.count + j] = union > 0 ? s / Double(union) : 0
            }
        }
        var total = 0.0
        for (i, j) in LinearAssignment.solve(scoreMatrix, rows: rows.count, cols: cols.count, maximize: true) {
            let s = scoreMatrix[i * cols.count + j]
            guard s >= minScore else { continue }
            result.links[cols[j]] = rows[i]
            total += s
        }
        result.meanScore = result.links.isEmpty ? 0 : total / Double(result.links.count)
        return result
    }

    /// Mask IoU when both have masks, else box IoU.
    static func overlap(_ x: ChunkInstance, _ y: ChunkInstance) -> Double {
        if let m = x.mask, let n = y.mask { return m.iou(n) }
        return boxIoU(x.box, y.box)
    }

    /// IoU of two `[x, y, width, height]` boxes.
    public static func boxIoU(_ a: [Double], _ b: [Double]) -> Double {
        let w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
        let h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
        guard w > 0, h > 0 else { return 0 }
        let i = w * h
        let u = a[2] * a[3] + b[2] * b[3] - i
        return u > 0 ? i / u : 0
    }
}
