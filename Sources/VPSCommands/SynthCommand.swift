import ArgumentParser
import Foundation
import VPSCore
import VPSSynth

/// `vps synth OUT_DIR [--videos N] [--frames F] [--seed S] [--size WxH] [--difficulty easy|normal|hard]`:
/// a synthetic video panoptic dataset with exact ground truth.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Generate synthetic videos with exact panoptic ground truth (3 stuff, 4 thing classes).",
        discussion: """
        Writes OUT_DIR/video_NNN/{video.mp4, frames/*.png, panoptic/*.png, panoptic.json} and \
        OUT_DIR/train.json (COCO instances of all videos). The same seed gives the same dataset. \
        --difficulty hard adds bursts of motion blur and noise, brightness changes, posts that \
        occlude objects partially (void in the labels), faster motion, more same-class crossings \
        and smaller objects; easy has fewer, larger, slower objects.
        """)

    @Argument(help: "Output directory (created; existing video directories in it are not overwritten).")
    var outDir: String

    @Option(help: "Number of videos.")
    var videos: Int = 2

    @Option(help: "Frames per video.")
    var frames: Int = 30

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Option(help: "Frame size WxH (even numbers).")
    var size: String = "512x384"

    @Option(help: "easy, normal or hard.")
    var difficulty: String = "normal"

    @Flag(name: .customLong("no-video"), help: "Skip the MP4s (PNG frames are always written).")
    var noVideo = false

    @Flag(help: "No progress on stderr.")
    var quiet = false

    static func parseSize(_ s: String) throws -> (Int, Int) {
        let p = s.lowercased().split(separator: "x")
        guard p.count == 2, let w = Int(p[0]), let h = Int(p[1]) else {
            throw VPSError.invalidArgument("--size must look like 512x384, got '\(s)'")
        }
        return (w, h)
    }

    func run() throws {
        let (w, h) = try Self.parseSize(size)
        var o = SynthOptions(videos: videos, frames: frames, seed: seed, width: w, height: h)
        o.writeVideo = !noVideo
        guard let level = SynthDifficulty(rawValue: difficulty) else {
            throw VPSError.invalidArgument("--difficulty must be easy, normal or hard, got '\(difficulty)'")
        }
        o.difficulty = level
        try o.validate()
        let bar = ProgressBar(total: videos * frames, enabled: !quiet && Console.stderrIsTerminal)
        let start = Date()
        try SynthDataset.write(to: outDir, options: o) { k, t in bar.update(k * frames + t + 1) }
        bar.finish()
        if !quiet {
            Console.note(String(format: "wrote %d video(s) of %d frames at %dx%d to %@ in %.1f s",
                                videos, frames, w, h, outDir, Date().timeIntervalSince(start)))
        }
    }
}
