import ArgumentParser
import Foundation
import VPSCore
import VPSFormats
import VPSStitch
import VPSVideo

/// `vps stitch MANIFEST… -o OUT --format F [--video OUT.mp4]`: joins the
/// exports of the chunks of one video into one export, with track IDs that
/// persist across chunk boundaries.
struct StitchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stitch",
        abstract: "Join the chunks of `vps annotate --segment K/N` into one export with persistent track IDs.",
        discussion: """
        Each frame is taken from the chunk that owns it. Tracks of neighbouring chunks are matched on the \
        frames both processed (--overlap) by mask IoU (box IoU for mot) with a Hungarian assignment; a \
        matched track keeps the earlier chunk's ID, others get new ones, numbered from 1. Refuses chunks \
        of different videos, models, pipelines or frame selections, and chunks that leave frames uncovered. \
        --video joins the chunks' annotated videos without re-encoding: their colours and #IDs are the \
        chunks' own, so an object may change colour at a boundary; the exports carry the stitched IDs. \
        --render instead draws the stitched panoptic export onto the source video (decode, render, \
        encode: one serial pass), so that colours and #IDs follow the stitched IDs.
        """)

    @Argument(help: "Chunk manifests (<export>.manifest.json), in any order.")
    var manifests: [String]

    @Option(name: .shortAndLong, help: "Stitched export (a directory for --format panoptic).")
    var output: String

    @Option(help: "Export format to join: youtube-vis, coco, mots, mot or panoptic (each chunk must have written it).")
    var format: String

    @Option(help: "Also join the chunks' annotated videos into this file (stream copy through ffmpeg's concat demuxer).")
    var video: String?

    @Option(help: "Also render the stitched result onto the source video into this file (--format panoptic only; re-encodes).")
    var render: String?

    @Option(name: .customLong("min-iou"), help: "Least mean overlap IoU for two chunks' tracks to share an ID.")
    var minIoU: Double = 0.5

    @Flag(help: "No notes on stderr.")
    var quiet = false

    func validate() throws {
        guard !manifests.isEmpty else { throw ValidationError("give at least one chunk manifest") }
        guard ExportFormat(rawValue: format.lowercased()) != nil else {
            throw ValidationError("unknown export format '\(format)'; valid: \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard minIoU > 0, minIoU <= 1 else { throw ValidationError("--min-iou must be within (0, 1]") }
        if render != nil && format.lowercased() != "panoptic" {
            throw ValidationError("--render draws the stitched panoptic export: use it with --format panoptic")
        }
        if let render, let video, URL(fileURLWithPath: render).standardizedFileURL == URL(fileURLWithPath: video).standardizedFileURL {
            throw ValidationError("--video and --render must name different files")
        }
    }

    func run() throws {
        do {
            let chunks = try ChunkSet.read(manifests)
            let fmt = try ExportFormat(argument: format)
            if fmt == .panoptic {
                let parent = AtomicFile.parentDirectory(of: output)
                guard FileSystem.isDirectory(parent) else { throw VPSError.outputDirectoryMissing(path: parent) }
            } else {
                try AtomicOutput.validateDestination(output)
            }
            let png = ImageFile.pngCodec
            let summary = try Stitcher(chunks: chunks, format: fmt, png: png, minScore: minIoU).run(output: output)
            if let video { try VideoJoin.concat(chunks.manifests.enumerated().map { k, m in
                guard let v = m.video else { throw StitchError.badManifest(path: chunks.paths[k], reason: "no \"video\" field") }
                return ChunkManifest.resolved(v, manifestPath: chunks.paths[k])
            }, to: video) }
            if let render { try StitchRender.run(chunks: chunks, panoptic: output, to: render, quiet: quiet) }
            guard !quiet else { return }
            for b in summary.boundaries {
                Console.note(String(format: "boundary at frame %d: %d tracks linked over %d frames (mean IoU %.2f); %d of %d tracks at the boundary continue an earlier ID",
                                    b.frame, b.links.count, b.comparedFrames, b.meanScore, b.continuedTracks, b.startingTracks))
            }
            Console.note("wrote \(output): \(summary.frames) frames from \(chunks.manifests.count) chunks, \(summary.tracks) tracks"
                         + (video.map { "; \($0)" } ?? "") + (render.map { "; rendered \($0)" } ?? ""))
        } catch let e as StitchError {
            throw VPSError.invalidArgument(e.description)
        }
    }
}
