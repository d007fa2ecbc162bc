import ArgumentParser
import Foundation
import VPSCore
import VPSPipeline
import VPSStages

/// `vps segment INPUT -o OUT.mp4 [--weights FILE] [--export dets.json --format coco]`:
/// per-frame Mask R-CNN instance segmentation through the staged pipeline.
struct SegmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Per-frame instance segmentation: decode → features → detect (Mask R-CNN) → render → encode [→ export].",
        discussion: """
        Masks, boxes, class names and scores are drawn on the video. INPUT may be a still image. \
        --weights takes vps safetensors (see scripts/convert_torchvision.py) or a torchvision .pth \
        state dict (read as the COCO R50-FPN unless --model-config says otherwise); without it, vps's \
        own model runs, which knows only the synthetic classes of `vps synth`. --export writes COCO \
        instances JSON with RLE masks.
        """)

    @Argument(help: "Input video or image.")
    var input: String

    @Option(name: .shortAndLong, help: "Output video (.mp4, .mov or .mkv).")
    var output: String

    @OptionGroup var model: ModelOptions

    @Option(help: "Write detections to this file.")
    var export: String?

    @Option(help: "Export format: coco.")
    var format: String = "coco"

    @Option(name: .customLong("score-threshold"), help: "Keep detections scoring above this (default: the checkpoint's).")
    var scoreThreshold: Double?

    @Option(help: "Pipeline description (YAML) to use instead of the built-in segment pipeline.")
    var pipeline: String?

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if let t = scoreThreshold, !(0...1).contains(t) { throw ValidationError("--score-threshold must be within 0…1") }
        guard format == "coco" else { throw ValidationError("--format \(format) is not supported by segment; valid: coco") }
    }

    func run() throws {
        var spec = try PipelineLoader.load(file: pipeline, builtin: "segment")
        try model.apply(to: &spec)
        if let scoreThreshold { spec.override(stage: "detect", key: "score_threshold", value: .double(scoreThreshold)) }
        if let export {
            let entry = StageSpec(name: "export", settings: ["path": .string(export), "format": .string(format), "input": .string("detections")])
            let at = (spec.stages.firstIndex { $0.name == "detect" } ?? spec.stages.count - 1) + 1
            spec.stages.insert(entry, at: at)
        }
        try PipelineLauncher(common: common).run(spec, input: input, output: output)
    }
}
