import Foundation
import VPSCommands
import VPSCore
import XCTest

/// The exit codes and stderr lines of `vps` for what a command throws: no
/// input can cause an internal failure, so its mapping is checked on the
/// function `runAndExit` uses.
final class ExitCodeTests: XCTestCase {
    struct Unexpected: Error, CustomStringConvertible {
        var description: String { "an error no command expects" }
    }

    func testInternalFailureExitsWithTwoAndOneLine() {
        let failure = VPS.outcome(of: VPSError.internalFailure("track: frame 3 has no detections"))
        XCTAssertEqual(failure.status, 2)
        XCTAssertEqual(failure.stderr, "vps: error: internal error: track: frame 3 has no detections")
        XCTAssertNil(failure.stdout)
        // Any error that is not one of vps's is an internal failure too.
        let other = VPS.outcome(of: Unexpected())
        XCTAssertEqual(other.status, 2)
        XCTAssertEqual(other.stderr, "vps: error: internal error: an error no command expects")
    }

    func testBadInputExitsWithOneAndInterruptWith130() {
        for error in [VPSError.invalidArgument("--frames must be 1 or more"), .fileNotFound(path: "/x.mp4"),
                      .unreadableInput(path: "/x.mp4", reason: "truncated"), .outputNotWritable(path: "/o", reason: "read-only"),
                      .invalidPipeline("unknown stage 'x'")] {
            let o = VPS.outcome(of: error)
            XCTAssertEqual(o.status, 1, "\(error)")
            XCTAssertEqual(o.stderr, "vps: error: \(error.description)")
            XCTAssertFalse(o.stderr!.contains("\n"))
        }
        XCTAssertEqual(VPS.outcome(of: VPSError.cancelled).status, 130)
    }
}
