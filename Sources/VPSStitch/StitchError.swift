/// Why a chunked run or a stitch was refused. Each message is one line a
/// user can act on; the commands report them as bad input (exit code 1).
public enum StitchError: Error, Equatable, CustomStringConvertible, Sendable {
    /// `--segment` is not `K/N` with 1 ≤ K ≤ N.
    case badSegment(String)
    /// `--overlap` is negative.
    case badOverlap(Int)
    /// The selected frames are fewer than the chunks asked for.
    case tooFewFrames(frames: Int, chunks: Int)
    /// A manifest cannot be read or lacks a field.
    case badManifest(path: String, reason: String)
    /// Two manifests disagree on the video, model or pipeline.
    case mismatch(what: String, first: String, other: String)
    /// The chunks' core ranges leave frames uncovered, or cover some twice.
    case coverage(String)
    /// A manifest lists no export of the requested format.
    case missingExport(manifest: String, format: String)
    /// A chunk's export disagrees with its manifest.
    case badExport(path: String, reason: String)

    public var description: String {
        switch self {
        case .badSegment(let s): return "--segment must be K/N with 1 <= K <= N (e.g. 2/4), got '\(s)'"
        case .badOverlap(let f): return "--overlap must be 0 or more frames, got \(f)"
        case .tooFewFrames(let f, let n): return "cannot split \(f) selected frames into \(n) chunks; use at most \(f) chunks"
        case .badManifest(let p, let r): return "cannot read manifest \(p): \(r)"
        case .mismatch(let what, let a, let b): return "chunks come from different \(what)s: \(a) vs \(b)"
        case .coverage(let m): return "chunks do not cover the video: \(m)"
        case .missingExport(let m, let f): return "manifest \(m) lists no \(f) export (pass the format its chunk wrote)"
        case .badExport(let p, let r): return "chunk export \(p): \(r)"
        }
    }
}
