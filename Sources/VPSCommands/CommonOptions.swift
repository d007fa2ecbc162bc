import ArgumentParser
import Foundation
import VPSCore
import VPSMotion
import VPSTensor

/// Options every processing command shares.
struct CommonOptions: ParsableArguments {
    @Option(help: "First frame to process (0-based).")
    var start: Int = 0

    @Option(help: "Maximum number of frames to process.")
    var frames: Int?

    @Option(help: "Process every N-th frame.")
    var stride: Int = 1

    @Option(help: "Worker threads for decoding, flow and the model (0 = libraries' defaults).")
    var threads: Int = 0

    @Flag(help: "No progress bar or notes on stderr.")
    var quiet = false

    @Flag(help: "Print each stage's busy time, throughput and queue occupancy at the end.")
    var profile = false

    var selection: FrameSelection { FrameSelection(start: start, count: frames, stride: stride) }

    func validate() throws {
        do { try selection.validate() } catch let e as VPSError { throw ValidationError(e.description) }
        guard threads >= 0 else { throw ValidationError("--threads must be 0 or more") }
    }

    /// Applies `--threads` to the libraries (see `applyThreadCount`).
    func applyThreads() { applyThreadCount(threads) }
}

/// Sets the worker threads of OpenMP (oneDNN's runtime; it read
/// `OMP_NUM_THREADS` when it loaded, so the count is set through its API, and
/// the variable for child processes) and OpenCV; 0 leaves the libraries'
/// defaults. Every command with a `--threads` option calls this before any
/// work starts.
func applyThreadCount(_ n: Int) {
    guard n > 0 else { return }
    setenv("OMP_NUM_THREADS", String(n), 1)
    EngineThreads.set(n)
    FlowEstimator.setThreads(n)
}
