import ArgumentParser
import VPSCore
import VPSPipeline
import VPSStages

/// `vps flow INPUT -o OUT.mp4`: the colour-coded motion-map video.
struct FlowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flow",
        abstract: "Write a colour-coded optical-flow (motion map) video: decode → motion → render → encode.",
        discussion: """
        Colours follow the Middlebury wheel and show where each pixel moved since the previous \
        frame (right = red, down = yellow, left = cyan, up = violet; white = still). \
        Ctrl-C stops decoding, finishes the frames in flight and leaves a valid, shorter video; \
        a second Ctrl-C aborts and leaves no output.
        """)

    @Argument(help: "Input video or image.")
    var input: String

    @Option(name: .shortAndLong, help: "Output video (.mp4, .mov or .mkv).")
    var output: String

    @Option(help: "DIS preset: ultrafast, fast or medium.")
    var preset: String?

    @Option(help: "Flow method: dis or farneback.")
    var method: String?

    @Option(help: "Resolution the flow is computed at, relative to the frame (0 < scale ≤ 1).")
    var scale: Double?

    @Option(name: .customLong("max-magnitude"), help: "Motion (px) shown at full saturation; default: each frame's maximum.")
    var maxMagnitude: Double?

    @Flag(name: .customLong("side-by-side"), help: "Put the input frame and the motion map side by side.")
    var sideBySide = false

    @Option(help: "Pipeline description (YAML) to use instead of the built-in flow pipeline.")
    var pipeline: String?

    @OptionGroup var common: CommonOptions

    func run() throws {
        var spec = try PipelineLoader.load(file: pipeline, builtin: "flow")
        if let preset { spec.override(stage: "motion", key: "preset", value: .string(preset)) }
        if let method { spec.override(stage: "motion", key: "method", value: .string(method)) }
        if let scale { spec.override(stage: "motion", key: "scale", value: .double(scale)) }
        if let maxMagnitude { spec.override(stage: "render", key: "max_magnitude", value: .double(maxMagnitude)) }
        if sideBySide { spec.override(stage: "render", key: "side_by_side", value: .bool(true)) }
        try PipelineLauncher(common: common).run(spec, input: input, output: output)
    }
}
