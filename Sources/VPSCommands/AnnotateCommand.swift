import ArgumentParser
import Foundation
import VPSCore
import VPSFormats
import VPSPipeline
import VPSStages

/// `vps annotate INPUT -o OUT.mp4 [--weights FILE] [--export FILE --format …]…`:
/// the main job. Decodes, segments every frame, tracks instances, fuses
/// things and stuff, and writes the annotated video and every export in one
/// streaming pass.
struct AnnotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annotate",
        abstract: "Panoptic segmentation with persistent instance IDs: annotated video plus exports.",
        discussion: """
        Stages (pipelines/default.yaml): decode → motion → features → detect → track → panoptic → \
        render → encode, plus one export per --export. --pipeline takes a YAML file or a built-in \
        name: default (motion-compensated Hungarian tracking), per-frame (the VPSNet baseline: \
        no motion compensation, greedy association) or fast (key frames; detections carried \
        between them by the motion map). --export may be repeated; the n-th --format \
        applies to the n-th --export (one --format applies to all; the default is coco). Formats: \
        youtube-vis, coco (instances with track_id), mots, mot, panoptic (a directory of PNGs \
        plus panoptic.json). Without --weights, vps's own model runs: it knows only the synthetic \
        classes of `vps synth` (sky, ground, water; disc, box, triangle, diamond). For real footage \
        pass COCO weights, e.g. torchvision's maskrcnn_resnet50_fpn_coco-bf2d0c1e.pth. \
        --segment K/N runs one chunk of the video for a batch scheduler; `vps stitch` joins the chunks.
        """)

    @Argument(help: "Input video or image.")
    var input: String

    @Option(name: .shortAndLong, help: "Annotated output video (.mp4, .mov or .mkv).")
    var output: String

    @OptionGroup var model: ModelOptions

    @Option(help: "Pipeline: a YAML file, or a built-in name (default, per-frame, fast).")
    var pipeline: String?

    @Option(help: "Write results to this file (a directory for --format panoptic). Repeatable.")
    var export: [String] = []

    @Option(help: "Export format: youtube-vis, coco, mots, mot or panoptic. Repeatable, one per --export.")
    var format: [String] = []

    @Option(name: .customLong("score-threshold"), help: "Detector score threshold (default: the checkpoint's).")
    var scoreThreshold: Double?

    @OptionGroup var chunk: ChunkOptions

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if let t = scoreThreshold, !(0...1).contains(t) { throw ValidationError("--score-threshold must be within 0…1") }
        guard format.count <= 1 || format.count == export.count else {
            throw ValidationError("give one --format per --export (\(export.count) exports, \(format.count) formats)")
        }
        if !format.isEmpty && export.isEmpty { throw ValidationError("--format needs --export FILE") }
        for f in format where ExportFormat(rawValue: f.lowercased()) == nil {
            throw ValidationError("unknown export format '\(f)'; valid: \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let paths = (export + (chunk.manifest.map { [$0] } ?? [])).map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        guard Set(paths).count == paths.count, !paths.contains(URL(fileURLWithPath: output).standardizedFileURL.path) else {
            throw ValidationError("every --export, --manifest and -o must name a different path")
        }
    }

    func run() throws {
        var spec = try PipelineLoader.load(named: pipeline ?? "default")
        try model.apply(to: &spec)
        if let scoreThreshold { spec.override(stage: "detect", key: "score_threshold", value: .double(scoreThreshold)) }
        // Exports read the fused result: they go right after the panoptic stage.
        var at = (spec.stages.firstIndex { $0.name == "panoptic" } ?? spec.stages.count - 1) + 1
        for (i, path) in export.enumerated() {
            let f = format.isEmpty ? "coco" : format[format.count == 1 ? 0 : i]
            spec.stages.insert(StageSpec(name: "export", settings: ["path": .string(path), "format": .string(f.lowercased())]), at: at)
            at += 1
        }
        let formats = export.indices.map { (format.isEmpty ? "coco" : format[format.count == 1 ? 0 : $0]).lowercased() }
        if let plan = try chunk.plan() {
            try ChunkRun(plan: plan, input: input, output: output, exports: Array(zip(export, formats)).map { ($0, $1) },
                         manifestPath: chunk.manifest, pipelineName: pipeline ?? "default").run(spec, common: common)
        } else {
            try PipelineLauncher(common: common).run(spec, input: input, output: output)
        }
    }
}
