import ArgumentParser
import Foundation
import VPSCore
import VPSEval
import VPSFormats
import VPSVideo

/// `vps eval --gt DIR --pred DIR [--json] [--chart FILE.png]`: VPQ, STQ, tracking and flicker metrics.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score video panoptic predictions against ground truth: VPQ, STQ, HOTA/MOTA/IDF1, mask flicker.",
        discussion: """
        --gt is a dataset directory as 'vps synth' writes it (a video directory with panoptic.json \
        and panoptic/*.png, or a directory of such video directories). --pred is the same kind of \
        directory (videos paired by name), or for a single video a COCO instances JSON, a YouTube-VIS \
        results JSON or a MOTS text file. VPQ follows VPSNet's eval_vpq.py, STQ deeplab2, tracking \
        TrackEval (per thing class, combined over detections).
        """)

    @Option(help: "Ground-truth dataset directory.")
    var gt: String

    @Option(help: "Prediction directory or instance export file.")
    var pred: String

    @Flag(help: "Print the full report as JSON instead of the table.")
    var json = false

    @Option(name: .customLong("vpq-stride"), help: "Frame distance between the frames VPQ evaluates (Cityscapes-VPS: 5).")
    var vpqStride: Int = 5

    @Flag(name: .customLong("no-flicker"), help: "Skip the mask flicker metric (and its optical flow).")
    var noFlicker = false

    @Option(help: "Also draw per-frame PQ and an ID timeline per track into this PNG.")
    var chart: String?

    func validate() throws {
        guard vpqStride >= 1 else { throw ValidationError("--vpq-stride must be 1 or more") }
    }

    func run() throws {
        if let chart {
            let dir = URL(fileURLWithPath: chart).deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: dir) else { throw VPSError.outputDirectoryMissing(path: dir) }
        }
        let png = ImageFile.pngCodec
        let report = try EvalSession.run(gt: gt, pred: pred, options: EvalOptions(vpqStride: vpqStride, flicker: !noFlicker), png: png)
        for v in report.videos where v.missingPredictionFrames > 0 {
            Console.warning("\(v.name): \(v.missingPredictionFrames) of \(v.frames) frames have no prediction; they count as all void")
        }
        if let chart { try ImageFile.writePNG(try EvalChart.render(report), to: chart) }
        print(json ? try report.json() : report.table)
    }
}
