/// Chunk `index` of `count` of a run of frames, with `overlap` frames shared
/// with each neighbour.
///
/// The selected frames `[lo, hi)` (source frame indices, from 0) are split
/// evenly into `count` *core* ranges: chunk k (from 1) owns
/// `[lo + (k-1)·n/count, lo + k·n/count)` with n = hi − lo, so core lengths
/// differ by at most one. A chunk *processes* its core widened by `overlap`
/// frames on each side, clamped to `[lo, hi)`; the widened part lets the
/// tracker settle before the core starts and gives `vps stitch` frames that
/// two chunks both saw, to match their tracks on.
public struct ChunkPlan: Equatable, Sendable {
    /// Chunk number from 1.
    public var index: Int
    public var count: Int
    /// Frames shared with each neighbour.
    public var overlap: Int

    public init(index: Int, count: Int, overlap: Int) throws {
        guard count >= 1, (1...count).contains(index) else { throw StitchError.badSegment("\(index)/\(count)") }
        guard overlap >= 0 else { throw StitchError.badOverlap(overlap) }
        self.index = index
        self.count = count
        self.overlap = overlap
    }

    /// Parses `--segment K/N`.
    public init(segment: String, overlap: Int) throws {
        let parts = segment.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else { throw StitchError.badSegment(segment) }
        guard n >= 1, (1...n).contains(k) else { throw StitchError.badSegment(segment) }
        try self.init(index: k, count: n, overlap: overlap)
    }

    /// The frames this chunk owns, for selected frames `selection`.
    public func core(of selection: Range<Int>) throws -> Range<Int> {
        let n = selection.count
        guard n >= count else { throw StitchError.tooFewFrames(frames: n, chunks: count) }
        let a = selection.lowerBound + (index - 1) * n / count
        let b = selection.lowerBound + index * n / count
        return a..<b
    }

    /// The frames this chunk processes: its core widened by `overlap`, clamped to `selection`.
    public func processed(of selection: Range<Int>) throws -> Range<Int> {
        let c = try core(of: selection)
        return max(selection.lowerBound, c.lowerBound - overlap)..<min(selection.upperBound, c.upperBound + overlap)
    }
}
