import Foundation
import TestSupport
import XCTest

/// Ctrl-C: the first SIGINT finishes the frames in flight and leaves a valid,
/// shorter video (exit 130); a second one aborts and leaves nothing.
final class InterruptTests: CLITestCase {
    func testOneInterruptLeavesAPlayableShorterVideo() throws {
        let dir = TestMedia.scratchDirectory()
        let p = try startVPS(["flow", TestMedia.vtest, "-o", dir + "/out.mp4", "--preset", "medium", "--quiet"])
        Thread.sleep(forTimeInterval: 2)
        XCTAssertTrue(p.isRunning, "the run should still be going after 2 s")
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130)
        XCTAssertEqual(listing(dir), ["out.mp4"])
        let n = try TestMedia.ffprobeFrameCount(dir + "/out.mp4")
        XCTAssertGreaterThan(n, 0)
        XCTAssertLessThan(n, 795)
    }

    func testTwoInterruptsLeaveNothing() throws {
        let dir = TestMedia.scratchDirectory()
        let p = try startVPS(["flow", TestMedia.vtest, "-o", dir + "/out.mp4", "--preset", "medium", "--quiet"])
        Thread.sleep(forTimeInterval: 2)
        kill(p.processIdentifier, SIGINT)
        Thread.sleep(forTimeInterval: 0.02)
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130)
        XCTAssertEqual(listing(dir), [])
    }
}
