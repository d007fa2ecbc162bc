import Foundation
import VPSCore
import VPSFormats
import VPSPipeline
import VPSStitch
import VPSVideo

/// Runs one chunk of `vps annotate --segment K/N`: narrows the frame
/// selection to the chunk's frames (core plus overlap), limits the video to
/// its core, runs the pipeline, and writes the chunk manifest last, so that a
/// manifest exists only for a chunk whose outputs are all complete.
struct ChunkRun {
    let plan: ChunkPlan
    let input: String
    let output: String
    /// (path, format) of every export, in command-line order.
    let exports: [(path: String, format: String)]
    let manifestPath: String?
    let pipelineName: String

    func run(_ spec: PipelineSpec, common: CommonOptions) throws {
        guard common.stride == 1 else { throw VPSError.invalidArgument("--segment needs --stride 1 (chunks are ranges of consecutive frames)") }
        let info = try MediaProbe.probe(input, countFrames: true)
        guard let video = info.video, let total = video.frameCount, total > 0, let w = video.width, let h = video.height else {
            throw VPSError.invalidArgument("--segment needs a video with a known frame count: \(input)")
        }
        let lo = min(common.start, total), hi = min(total, common.start + (common.frames ?? total))
        let selection = lo..<hi
        guard !selection.isEmpty else {
            throw VPSError.invalidArgument("no frames were selected from \(input) (\(total) frames; check --start and --frames)")
        }
        let core: Range<Int>, frames: Range<Int>
        do {
            core = try plan.core(of: selection)
            frames = try plan.processed(of: selection)
        } catch let e as StitchError { throw VPSError.invalidArgument(e.description) }

        let modelPath = spec.stages.first { $0.name == "features" }?.settings["weights"]?.description ?? ""
        let model = ChunkManifest.Fingerprint(name: ChunkManifest.absolute(modelPath), sha256: try SHA256.hex(file: modelPath))
        let pipeline = ChunkManifest.Fingerprint(name: pipelineName, sha256: try PipelineFingerprint.sha256(spec))

        var spec = spec
        spec.override(stage: "encode", key: "keep_first", value: .int(core.lowerBound))
        spec.override(stage: "encode", key: "keep_last", value: .int(core.upperBound - 1))
        var chunkCommon = common
        chunkCommon.start = frames.lowerBound
        chunkCommon.frames = frames.count
        let manifestPath = self.manifestPath ?? ChunkManifest.defaultPath(besides: exports.first?.path ?? output)
        try AtomicOutput.validateDestination(manifestPath)
        try PipelineLauncher(common: chunkCommon).run(spec, input: input, output: output)

        let (bytes, fingerprint) = try SourceFingerprint.of(input)
        let turned = abs(video.rotation ?? 0) % 180 == 90
        let manifest = ChunkManifest(
            tool: "vps \(VPS.configuration.version)",
            source: .init(path: ChunkManifest.absolute(input), bytes: bytes, frames: total,
                          width: turned ? h : w, height: turned ? w : h, fingerprint: fingerprint),
            chunk: .init(index: plan.index, count: plan.count, overlap: plan.overlap, selection: .init(selection),
                         core: .init(core), frames: .init(frames)),
            model: model, pipeline: pipeline,
            video: ChunkManifest.stored(output, manifestPath: manifestPath),
            exports: exports.map { .init(path: ChunkManifest.stored($0.path, manifestPath: manifestPath), format: $0.format) })
        try manifest.write(to: manifestPath)
        if !common.quiet { Console.note("wrote \(manifestPath): chunk \(plan.index)/\(plan.count), frames \(frames.lowerBound)–\(frames.upperBound - 1) (own \(core.lowerBound)–\(core.upperBound - 1))") }
    }
}

/// SHA-256 of what a pipeline computes: its stages and their settings in
/// order, sorted by key, without what differs between chunks of one run
/// (export paths, the encoder's frame range) and with the model file left
/// to the manifest's own model hash (`features.weights` is dropped; a
/// `model_config` file is replaced by its contents' hash).
enum PipelineFingerprint {
    static func sha256(_ spec: PipelineSpec) throws -> String {
        var text = ""
        for stage in spec.stages where stage.name != "export" {
            text += stage.name
            for key in stage.settings.keys.sorted() {
                if stage.name == "features" && key == "weights" { continue }
                if stage.name == "encode" && (key == "keep_first" || key == "keep_last") { continue }
                var value = stage.settings[key]!.description
                if key == "model_config" { value = try SHA256.hex(file: value) }
                text += " \(key)=\(value)"
            }
            text += "\n"
        }
        return SHA256.hex(Array(text.utf8))
    }
}
