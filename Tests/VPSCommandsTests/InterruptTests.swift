import Foundation
import TestSupport
import XCTest

/// Ctrl-C: the first SIGINT finishes the frames in flight and leaves a valid,
/// shorter video (exit 130); a second one aborts and leaves nothing. Signals
/// are sent once stderr says frames are flowing ("vps: progress: 1/…"), so the
/// handler is in place whatever the machine's load.
final class InterruptTests: CLITestCase {
    func testOneInterruptLeavesAPlayableShorterVideo() throws {
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try startVPS(["flow", TestMedia.vtest, "-o", dir + "/out.mp4", "--preset", "medium"])
        XCTAssertTrue(run.waitFor("vps: progress: 1/"), "no progress line: \(run.stderr)")
        run.interrupt()
        XCTAssertEqual(run.wait(), 130, run.stderr)
        XCTAssertEqual(listing(dir), ["out.mp4"])
        let n = try TestMedia.ffprobeFrameCount(dir + "/out.mp4")
        XCTAssertGreaterThan(n, 0)
        XCTAssertLessThan(n, 795)
        // The note names the frames the video holds.
        XCTAssertTrue(run.stderr.contains("interrupted after \(n) frames"), run.stderr)
    }

    func testTwoInterruptsLeaveNothing() throws {
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try startVPS(["flow", TestMedia.vtest, "-o", dir + "/out.mp4", "--preset", "medium"])
        assertTwoInterruptsLeaveNothing(run, in: dir)
    }
}
