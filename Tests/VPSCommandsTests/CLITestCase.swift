import Foundation
import TestSupport
import XCTest

/// Runs the built `vps` executable as a user would.
class CLITestCase: XCTestCase {
    /// The `vps` binary next to the test bundle (same build configuration).
    static let vps: String = {
        let dir = Bundle.main.executableURL?.deletingLastPathComponent().path ?? ""
        let candidates = [dir + "/vps"] + ["release", "debug"].map { TestPaths.repository(".build/\($0)/vps") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }()

    @discardableResult
    func vps(_ args: String...) throws -> (status: Int32, out: String, err: String) {
        try TestMedia.run(Self.vps, args)
    }

    /// Starts `vps` in the background (to interrupt it), collecting its stderr.
    func startVPS(_ args: [String]) throws -> BackgroundRun { try BackgroundRun(Self.vps, args) }

    /// Asserts a one-line error on stderr and exit code 1.
    func assertBadInput(_ result: (status: Int32, out: String, err: String), mentions text: String,
                        file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 1, "stderr: \(result.err)", file: file, line: line)
        let lines = result.err.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "expected one line, got: \(result.err)", file: file, line: line)
        XCTAssertTrue(result.err.hasPrefix("vps: error: "), result.err, file: file, line: line)
        XCTAssertTrue(result.err.contains(text), "\(result.err) should mention \(text)", file: file, line: line)
    }

    /// Interrupts `run` once it has written its first frame, again once it is
    /// finishing the frames in flight, and asserts that it aborted (exit 130)
    /// and left nothing in `dir`.
    func assertTwoInterruptsLeaveNothing(_ run: BackgroundRun, in dir: String,
                                         file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(run.waitFor("vps: progress: 1/"), "no progress line: \(run.stderr)", file: file, line: line)
        run.interrupt()
        XCTAssertTrue(run.waitFor("interrupt: finishing the frames in flight"), run.stderr, file: file, line: line)
        run.interrupt()
        XCTAssertEqual(run.wait(), 130, run.stderr, file: file, line: line)
        XCTAssertTrue(run.stderr.contains("vps: aborted"), run.stderr, file: file, line: line)
        XCTAssertEqual(listing(dir), [], "outputs left after two interrupts", file: file, line: line)
    }

    /// Files in a directory, hidden ones included.
    func listing(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }
}

/// A process running in the background whose stderr is collected as it
/// arrives, so a test can wait for a line that says the run has reached a
/// point (a readiness signal) instead of sleeping.
final class BackgroundRun: @unchecked Sendable {
    let process = Process()
    private let lock = NSLock()
    private var collected = ""

    init(_ executable: String, _ args: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = args
        process.standardOutput = FileHandle.nullDevice
        let err = Pipe()
        process.standardError = err
        err.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard !d.isEmpty else { h.readabilityHandler = nil; return }  // end of file
            guard let self else { return }
            self.lock.lock(); self.collected += String(decoding: d, as: UTF8.self); self.lock.unlock()
        }
        try process.run()
    }

    /// Everything written to stderr so far.
    var stderr: String { lock.lock(); defer { lock.unlock() }; return collected }

    /// Waits until stderr holds `text`; false if the process exited without
    /// writing it. The limit only keeps a broken run from hanging the suite.
    func waitFor(_ text: String, limit: TimeInterval = 600) -> Bool {
        let end = Date().addingTimeInterval(limit)
        while Date() < end {
            if stderr.contains(text) { return true }
            if !process.isRunning { usleep(100_000); return stderr.contains(text) }
            usleep(2_000)
        }
        return false
    }

    func interrupt() { kill(process.processIdentifier, SIGINT) }

    /// Waits for the exit; returns the status.
    func wait() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }
}
