import ArgumentParser
import Foundation
import VPSCore
import VPSDetection
import VPSPipeline
import VPSStages

/// `vps bench pipeline`: a whole pipeline (by default `vps annotate`'s) on
/// real frames, stage by stage, with the same figures as `--profile`.
struct BenchPipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Benchmark a pipeline stage by stage (default: vps annotate's, on vtest.avi).",
        discussion: """
        Reports each stage's busy time and throughput alone, the end-to-end rate, the slowest stage and \
        end-to-end/slowest (how well the stages overlap), and peak RSS. With --pipeline given several times \
        (e.g. default, per-frame, fast) the pipelines run one after the other on the same frames, and each \
        one's end-to-end rate is also given as a ratio to the first's. Without --weights the pipeline runs \
        the seeded R50-FPN of the parity fixture (untrained weights: the \
        number of detections, and so the tracking and drawing work, is not that of a trained model). \
        Outputs go to a temporary folder that is removed.
        """)

    @Argument(help: "Input video (default: OpenCV's vtest.avi from opencv-doc).")
    var input: String = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"

    @Option(help: "Pipeline: a YAML file or a built-in name (default, per-frame, fast, flow, segment); repeat to compare.")
    var pipeline: [String] = []

    @Option(help: "Checkpoint (.safetensors, .pth or Detectron2 .pkl); default: the seeded model of --model.")
    var weights: String?

    @Option(help: "Seeded model description used without --weights.")
    var model: String = "Tests/Fixtures/parity/r50_fpn.json"

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var common: CommonOptions

    struct Stage: Codable { var name: String; var frames: Int; var busySeconds: Double; var fps: Double }
    struct Report: Codable {
        var input: String
        var pipeline: String
        var frames: Int
        var wallSeconds: Double
        var fps: Double
        var slowestStage: String?
        var endToEndOverSlowest: Double?
        var peakRSSMegabytes: Double
        var stages: [Stage]
    }

    func run() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("vps-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let names = pipeline.isEmpty ? ["default"] : pipeline
        let reports = try names.map { try measure($0, scratch: scratch) }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = reports.count == 1 ? try enc.encode(reports[0]) : try enc.encode(reports)
            print(String(decoding: data, as: UTF8.self))
        } else if reports.count > 1 {
            print("end to end, same frames, one after the other:")
            for r in reports {
                print(String(format: "  %-12@ %7.2f fps  %5.2f× %@", r.pipeline as NSString, r.fps, r.fps / reports[0].fps,
                             reports[0].pipeline as NSString))
            }
        }
    }

    /// Runs one pipeline and prints its table (unless --json).
    func measure(_ pipeline: String, scratch: String) throws -> Report {
        var spec = try PipelineLoader.load(named: pipeline)
        var seeded: MaskRCNN?
        if spec.stages.contains(where: { $0.name == "features" }) {
            if let weights {
                spec.override(stage: "features", key: "weights", value: .string(weights))
            } else {
                seeded = try ModelLoader.load(weights: nil, seeded: model)
            }
        }
        var options = common
        options.quiet = true
        options.profile = false
        if options.frames == nil { options.frames = 10 }
        let r = try PipelineLauncher(common: options).run(spec, input: input, output: scratch + "/out.mp4") { context in
            context[FeaturesModel.self] = seeded
        }
        let slowest = r.stages.filter { $0.frames > 0 }.min { $0.throughput < $1.throughput }
        let report = Report(input: input, pipeline: pipeline, frames: r.frames, wallSeconds: r.wallSeconds, fps: r.fps,
                            slowestStage: slowest?.name, endToEndOverSlowest: slowest.map { r.fps / $0.throughput },
                            peakRSSMegabytes: Double(PeakMemory.residentKilobytes) / 1024,
                            stages: r.stages.map { Stage(name: $0.name, frames: $0.frames, busySeconds: $0.busySeconds, fps: $0.throughput) })
        if !json {
            print("pipeline \(pipeline) on \(input), \(r.frames) frames")
            print(Profile.table(r), terminator: "")
        }
        return report
    }
}
