import Foundation
import VPSCore
import VPSMotion
import VPSPipeline
import VPSStages
import VPSTensor

/// Finds pipeline descriptions: a user's file, or one built into the binary.
enum PipelineLoader {
    static func load(file: String?, builtin: String) throws -> PipelineSpec {
        if let file { return try PipelineSpec.load(path: file) }
        guard let text = BuiltinPipelines.yaml[builtin] else {
            throw VPSError.internalFailure("no built-in pipeline '\(builtin)'")
        }
        return try PipelineSpec.parse(yaml: text, origin: "\(builtin).yaml (built in)")
    }

    /// A built-in pipeline by name, unless a file of that name exists.
    static func load(named name: String) throws -> PipelineSpec {
        if BuiltinPipelines.yaml[name] != nil && !FileManager.default.fileExists(atPath: name) {
            return try load(file: nil, builtin: name)
        }
        return try load(file: name, builtin: name)
    }
}

/// Runs a pipeline for a command: builds it, wires Ctrl-C, shows progress,
/// reports warnings, the profile, and what was written.
struct PipelineLauncher {
    let common: CommonOptions

    /// Runs `spec` on `input`; returns the report. Throws for bad input and
    /// failures; exits with 130 after an interrupted (but cleanly finished) run.
    /// `provide` may store objects the command built (e.g. a model) in the
    /// build context before the stages are built.
    @discardableResult
    func run(_ spec: PipelineSpec, input: String, output: String?,
             provide: (BuildContext) -> Void = { _ in }) throws -> RunReport {
        common.applyThreads()
        let context = BuildContext(input: input, output: output, selection: common.selection, threads: common.threads)
        provide(context)
        let pipeline = try StandardStages.registry.build(spec, context: context)
        let token = CancellationToken()
        let interrupts = InterruptHandler(token: token, quiet: common.quiet)
        defer { interrupts.uninstall() }
        let progress = ProgressBar(total: pipeline.source.expectedFrameCount, style: ProgressBar.style(quiet: common.quiet))
        let report = try ConcurrentRunner.run(pipeline, options: RunOptions(
            queueCapacity: spec.queueCapacity, cancellation: token) { _, done in progress.update(done) })
        progress.finish()
        for w in report.warnings { Console.warning(w) }
        if common.profile { FileHandle.standardError.write(Data(Profile.table(report).utf8)) }
        guard report.frames > 0 else {
            throw VPSError.invalidArgument("no frames were selected from \(input) (check --start, --frames and --stride)")
        }
        if report.cancelled {
            Console.note("interrupted after \(report.frames) frames" + (output.map { "; \($0) holds them" } ?? ""))
            throw ExitCodeError.interrupted
        }
        if !common.quiet, let output {
            Console.note(String(format: "wrote %@: %d frames in %.1f s (%.1f fps)", output, report.frames, report.wallSeconds, report.fps))
        }
        return report
    }
}

/// Exit after an interrupt that still finished its outputs cleanly.
enum ExitCodeError: Error { case interrupted }

/// Formats a run report for `--profile`.
enum Profile {
    static func table(_ r: RunReport) -> String {
        var s = "stage        frames   busy s   fps alone   queue mean/max/cap\n"
        for st in r.stages {
            let q = st.meanQueue.map { String(format: "%.2f/%d/%d", $0, st.maxQueue ?? 0, st.queueCapacity ?? 0) } ?? "-"
            let name = st.name.padding(toLength: max(12, st.name.count), withPad: " ", startingAt: 0)
            s += name + String(format: " %6d %8.3f %11.1f   ", st.frames, st.busySeconds, st.throughput) + q + "\n"
        }
        let slowest = r.stages.filter { $0.frames > 0 }.min { $0.throughput < $1.throughput }
        s += String(format: "end to end: %d frames in %.3f s = %.1f fps", r.frames, r.wallSeconds, r.fps)
        if let slowest, slowest.throughput > 0 {
            s += String(format: "; slowest stage %@ at %.1f fps (end-to-end/slowest = %.2f)",
                        slowest.name as NSString, slowest.throughput, r.fps / slowest.throughput)
        }
        s += "\nthreads: OpenMP \(EngineThreads.count), OpenCV \(FlowEstimator.threads)"
        s += String(format: "\npeak RSS: %.1f MB\n", Double(PeakMemory.residentKilobytes) / 1024)
        return s
    }
}

/// The process's peak resident set size.
///
/// Read from `VmHWM` in /proc/self/status, not from getrusage: a process
/// started with posix_spawn (vfork) inherits its parent's ru_maxrss across
/// execve, which would make a child's peak look like its parent's.
enum PeakMemory {
    static var residentKilobytes: Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
}
