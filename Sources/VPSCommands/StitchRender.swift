import ArgumentParser
import Foundation
import VPSCore
import VPSPipeline
import VPSStitch

/// `vps stitch --render`: draws a stitched panoptic directory onto the
/// chunks' source video with the annotate pipeline's `render` and `encode`
/// settings (decode → load_panoptic → render → encode), so that each track
/// keeps one colour and one #ID over the whole video.
enum StitchRender {
    static func run(chunks: ChunkSet, panoptic: String, to output: String, quiet: Bool) throws {
        let source = chunks.manifests[0].source.path
        guard FileManager.default.fileExists(atPath: source) else {
            throw VPSError.invalidArgument("--render needs the source video, which the manifests name as \(source): not found here")
        }
        // The chunks' pipeline for its render and encode settings, when it can be found from here.
        let annotate = try (try? PipelineLoader.load(named: chunks.manifests[0].pipeline.name)) ?? PipelineLoader.load(named: "default")
        func stage(_ name: String, _ fallback: [String: SettingValue]) -> StageSpec {
            let s = annotate.stages.first { $0.name == name }
            if name == "render", s?.settings["mode"]?.description != "panoptic" { return StageSpec(name: name, settings: fallback) }
            return s ?? StageSpec(name: name, settings: fallback)
        }
        let spec = PipelineSpec(name: "stitch-render", description: "stitched panoptic result drawn onto its video",
                                queueCapacity: annotate.queueCapacity,
                                stages: [StageSpec(name: "decode"), StageSpec(name: "load_panoptic", settings: ["path": .string(panoptic)]),
                                         stage("render", ["mode": .string("panoptic")]), stage("encode", [:])])
        let common = try CommonOptions.parse(["--start", String(chunks.selection.lowerBound), "--frames", String(chunks.selection.count)]
                                             + (quiet ? ["--quiet"] : []))
        try PipelineLauncher(common: common).run(spec, input: source, output: output)
    }
}
