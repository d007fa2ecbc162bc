import ArgumentParser
import Foundation
import VPSCore
import VPSFormats
import VPSMotion
import VPSPanoptic
import VPSPipeline
import VPSStages
import VPSVideo

/// `vps bench io [INPUT]`: decode, flow (per preset), render and encode
/// throughput on their own, then the whole `vps flow` pipeline, and the peak
/// memory of `vps flow` on a short and on the full video.
struct BenchIOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "io",
        abstract: "Benchmark decode, optical flow, render, encode and the end-to-end flow pipeline.")

    @Argument(help: "Input video (default: OpenCV's vtest.avi from opencv-doc).")
    var input: String = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"

    @Option(help: "Frames kept in memory for the per-stage benchmarks.")
    var sample: Int = 150

    @Option(help: "Frames for the short run of the memory comparison.")
    var short: Int = 100

    @Option(help: "Worker threads (0 = libraries' defaults).")
    var threads: Int = 0

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(name: .customLong("skip-memory"), help: "Skip the peak-memory comparison (two child runs).")
    var skipMemory = false

    struct Report: Codable {
        var input: String
        var width: Int
        var height: Int
        var framesDecoded: Int
        var decodeFPS: Double
        var flowFPS: [String: Double]
        var renderFPS: Double
        var panopticRenderFPS: Double
        var encodeFPS: Double
        var pipeline: RunReport
        var pipelineFPS: Double
        var slowestStage: String
        var slowestStageFPS: Double
        var endToEndOverSlowest: Double
        var peakRSSMegabytes: [String: Double]?
    }

    func run() throws {
        applyThreadCount(threads)
        let note: (String) -> Void = { if !json { print($0) } }
        // Decode, keeping a sample in memory.
        var frames: [RGBImage] = []
        let decoder = try VideoDecoder(path: input, threads: threads)
        var t0 = Date()
        var count = 0
        while let f = try decoder.nextFrame() {
            count += 1
            if frames.count < sample { frames.append(f.image) }
        }
        let decodeFPS = Double(count) / Date().timeIntervalSince(t0)
        guard frames.count >= 2 else { throw VPSError.invalidArgument("benchmark needs at least 2 frames; \(input) has \(count)") }
        let (w, h) = (frames[0].width, frames[0].height)
        note(String(format: "input %@: %dx%d, %d frames", input, w, h, count))
        note(String(format: "decode (incl. RGB conversion): %.1f fps", decodeFPS))

        // Flow per method, gray conversion included.
        var flowFPS: [String: Double] = [:]
        var lastFlow = FlowField(width: w, height: h)
        let methods: [(String, FlowMethod)] = FlowMethod.DISPreset.allCases.map { ("dis-\($0.rawValue)", FlowMethod.dis($0)) }
            + [("farneback", .farneback)]
        for (name, method) in methods {
            let est = try FlowEstimator(method: method)
            let n = name == "farneback" ? min(frames.count, 30) : frames.count
            t0 = Date()
            var prev = try est.gray(frames[0])
            for i in 1..<n {
                let g = try est.gray(frames[i])
                lastFlow = try est.flow(fromGray: g, toGray: prev)
                prev = g
            }
            flowFPS[name] = Double(n - 1) / Date().timeIntervalSince(t0)
            note(String(format: "flow %@: %.1f fps", name, flowFPS[name]!))
        }

        // Render (colour coding) and encode.
        t0 = Date()
        var canvas = frames[0]
        for _ in 0..<frames.count { canvas = FlowColor.image(lastFlow, negate: true) }
        let renderFPS = Double(frames.count) / Date().timeIntervalSince(t0)
        note(String(format: "render (flow colours): %.1f fps", renderFPS))
        let panopticFPS = try PanopticRenderBench.framesPerSecond(background: frames[0], frames: min(frames.count, 40))
        note(String(format: "render (panoptic: 20 things, 3 stuff regions, 10-frame trails): %.1f fps (%.2f ms/frame)",
                    panopticFPS, 1000 / panopticFPS))
        let tmp = NSTemporaryDirectory() + "vps-bench-\(getpid()).mp4"
        defer { unlink(tmp) }
        let enc = try VideoEncoder(path: tmp, width: w, height: h, frameRate: decoder.frameRate,
                                   settings: EncoderSettings(preset: "veryfast", crf: 20, threads: threads))
        t0 = Date()
        for f in frames { try enc.write(f) }
        try enc.finish()
        let encodeFPS = Double(frames.count) / Date().timeIntervalSince(t0)
        note(String(format: "encode (x264 veryfast, incl. YUV conversion and muxing): %.1f fps", encodeFPS))
        _ = canvas

        // The whole flow pipeline on the full input.
        let spec = try PipelineLoader.load(file: nil, builtin: "flow")
        let pipeline = try StandardStages.registry.build(spec, context: BuildContext(input: input, output: tmp, threads: threads))
        let report = try ConcurrentRunner.run(pipeline, options: RunOptions(queueCapacity: spec.queueCapacity))
        let slowest = report.stages.min { $0.throughput < $1.throughput }!
        let ratio = report.fps / slowest.throughput
        note(String(format: "vps flow end to end: %.1f fps; slowest stage in the same run: %@ at %.1f fps; ratio %.2f",
                    report.fps, slowest.name, slowest.throughput, ratio))
        if !json { print(Profile.table(report), terminator: "") }

        // Peak memory: short run against the full video, as child processes.
        var memory: [String: Double]?
        if !skipMemory {
            let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            let shortKB = try ChildProcess.peakRSS(exe, ["flow", input, "-o", tmp, "--quiet", "--frames", String(short)])
            let fullKB = try ChildProcess.peakRSS(exe, ["flow", input, "-o", tmp, "--quiet"])
            memory = ["frames_\(short)": Double(shortKB) / 1024, "frames_all_\(count)": Double(fullKB) / 1024]
            note(String(format: "peak RSS of vps flow: %d frames %.1f MB, all %d frames %.1f MB (ratio %.2f)",
                        short, Double(shortKB) / 1024, count, Double(fullKB) / 1024, Double(fullKB) / Double(max(shortKB, 1))))
        }
        if json {
            let r = Report(input: input, width: w, height: h, framesDecoded: count, decodeFPS: decodeFPS, flowFPS: flowFPS,
                           renderFPS: renderFPS, panopticRenderFPS: panopticFPS, encodeFPS: encodeFPS, pipeline: report, pipelineFPS: report.fps,
                           slowestStage: slowest.name, slowestStageFPS: slowest.throughput,
                           endToEndOverSlowest: ratio, peakRSSMegabytes: memory)
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try e.encode(r), as: UTF8.self))
        }
    }
}

/// The `render` stage in panoptic mode on a synthetic result at the input's
/// size: 3 stuff bands covering the frame and 20 tracked things (a 10 × 2
/// grid of boxes a twelfth of the width and over a quarter of the height),
/// with 10-frame trails, as an annotate run with many objects draws them.
enum PanopticRenderBench {
    static func result(index: Int, width w: Int, height h: Int) -> PanopticResult {
        var ids = [Int32](repeating: 0, count: w * h)
        var segments: [Segment] = []
        func fill(_ id: Int, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) {
            for y in max(0, y0)..<min(h, y1) { for x in max(0, x0)..<min(w, x1) { ids[y * w + x] = Int32(id) } }
        }
        for (k, id) in [51000, 52000, 53000].enumerated() {
            fill(id, 0, k * h / 3, w, (k + 1) * h / 3)
            segments.append(Segment(id: id))
        }
        let bw = w / 12, bh = h * 5 / 18
        for k in 0..<20 {
            let x = w / 40 + (k % 10) * (w * 3 / 32) + index % 8, y = h / 10 + (k / 10) * (h * 3 / 8)
            fill(1000 + k + 1, x, y, x + bw, y + bh)
            segments.append(Segment(id: 1000 + k + 1, trackId: k + 1, score: 0.5 + Double(k) / 50))
        }
        var frame = PanopticFrame(index: index, width: w, height: h, ids: ids, segments: segments)
        frame.refreshGeometry()
        return PanopticResult(frame: frame, categories: [Category(id: 1, name: "person", isThing: true),
                                                         Category(id: 51, name: "road", isThing: false),
                                                         Category(id: 52, name: "grass", isThing: false),
                                                         Category(id: 53, name: "sky", isThing: false)])
    }

    /// Frames per second of rendering `frames` such results over `background`.
    static func framesPerSecond(background: RGBImage, frames: Int) throws -> Double {
        let stage = PanopticRenderStage(trailLength: 10)
        let results = (0...frames).map { result(index: $0, width: background.width, height: background.height) }
        func render(_ t: Int) throws {
            var p = Packet(frame: VideoFrame(index: t, timestamp: Double(t), image: background))
            p[PanopticKey.self] = results[t]
            try stage.process(&p)
        }
        try render(0)  // the first frame sets up the trails
        let t0 = Date()
        for t in 1...frames { try render(t) }
        return Double(frames) / Date().timeIntervalSince(t0)
    }
}

/// Runs `vps` as a child process with `--profile` and reads the peak RSS it reports.
enum ChildProcess {
    static func peakRSS(_ executable: String, _ args: [String]) throws -> Int {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args + ["--profile"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0,
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("peak RSS: ") }),
              let mb = Double(line.dropFirst("peak RSS: ".count).split(separator: " ").first ?? "") else {
            throw VPSError.internalFailure("\(executable) \(args.joined(separator: " ")) failed: \(text)")
        }
        return Int(mb * 1024)
    }
}
