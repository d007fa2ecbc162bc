import Foundation
import TestSupport
import XCTest

/// Runs the built `vps` executable as a user would.
class CLITestCase: XCTestCase {
    /// The `vps` binary next to the test bundle (same build configuration).
    static let vps: String = {
        let dir = Bundle.main.executableURL?.deletingLastPathComponent().path ?? ""
        let candidates = [dir + "/vps"] + ["release", "debug"].map {
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/\($0)/vps").path
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }()

    @discardableResult
    func vps(_ args: String...) throws -> (status: Int32, out: String, err: String) {
        try TestMedia.run(Self.vps, args)
    }

    /// Starts `vps` in the background, its output discarded (to interrupt it).
    func startVPS(_ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.vps)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Asserts a one-line error on stderr and exit code 1.
    func assertBadInput(_ result: (status: Int32, out: String, err: String), mentions text: String,
                        file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 1, "stderr: \(result.err)", file: file, line: line)
        let lines = result.err.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "expected one line, got: \(result.err)", file: file, line: line)
        XCTAssertTrue(result.err.hasPrefix("vps: error: "), result.err, file: file, line: line)
        XCTAssertTrue(result.err.contains(text), "\(result.err) should mention \(text)", file: file, line: line)
    }

    /// Files in a directory, hidden ones included.
    func listing(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }
}
