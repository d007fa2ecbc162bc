import ArgumentParser
import VPSStitch

/// `vps annotate`'s options for running one chunk of a video.
struct ChunkOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Process only chunk K of N of the selected frames (K from 1), e.g. 2/4.",
        discussion: "Frames are split evenly; the chunk also processes --overlap frames into each neighbour, "
            + "writes its exports for all of them (source frame numbers), its video for its own frames only, "
            + "and a JSON manifest for `vps stitch`."))
    var segment: String?

    @Option(help: "Frames each chunk shares with each neighbour (with --segment).")
    var overlap: Int = 8

    @Option(help: "Where to write the chunk manifest (default: <first export>.manifest.json, or <output>.manifest.json without --export).")
    var manifest: String?

    /// The chunk asked for, or nil for a whole run.
    func plan() throws -> ChunkPlan? {
        guard let segment else { return nil }
        return try ChunkPlan(segment: segment, overlap: overlap)
    }

    func validate() throws {
        do { _ = try plan() } catch let e as StitchError { throw ValidationError(e.description) }
        if segment == nil && manifest != nil { throw ValidationError("--manifest needs --segment K/N") }
    }
}
