import Foundation
import TestSupport
import XCTest

final class ProbeCommandTests: CLITestCase {
    func testProbeText() throws {
        let r = try vps("probe", TestMedia.vtest)
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.out.contains("video msmpeg4v3, 768x576"), r.out)
        XCTAssertTrue(r.out.contains("795 frames"), r.out)
        XCTAssertTrue(r.out.contains("10.000 fps"), r.out)
    }

    func testProbeJSON() throws {
        let r = try vps("probe", TestMedia.sampleImageDirectory + "/fruits.jpg", "--json")
        XCTAssertEqual(r.status, 0)
        let obj = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
        let streams = obj?["streams"] as? [[String: Any]]
        XCTAssertEqual(streams?.first?["width"] as? Int, 512)
        XCTAssertEqual(streams?.first?["height"] as? Int, 480)
        XCTAssertEqual(streams?.first?["kind"] as? String, "video")
        XCTAssertEqual(obj?["videoStreamIndex"] as? Int, 0)
    }

    func testCountFramesOnAContainerWithoutACount() throws {
        let dir = TestMedia.scratchDirectory()
        try TestMedia.movingSquareVideo(path: dir + "/a.mp4", frames: 7)
        try TestMedia.ffmpeg(["-i", dir + "/a.mp4", "-c", "copy", dir + "/a.mkv"])
        let r = try vps("probe", dir + "/a.mkv", "--count-frames", "--json")
        let obj = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
        let v = (obj?["streams"] as? [[String: Any]])?.first
        XCTAssertEqual(v?["frameCount"] as? Int, 7)
        XCTAssertEqual(v?["frameCountExact"] as? Bool, true)
    }

    func testProbeBadInputs() throws {
        let dir = TestMedia.scratchDirectory()
        assertBadInput(try vps("probe", dir + "/missing.mp4"), mentions: "input not found")
        _ = FileManager.default.createFile(atPath: dir + "/zero.mp4", contents: Data())
        assertBadInput(try vps("probe", dir + "/zero.mp4"), mentions: "input is empty")
        _ = FileManager.default.createFile(atPath: dir + "/text.mp4", contents: Data("just some text\n".utf8))
        assertBadInput(try vps("probe", dir + "/text.mp4"), mentions: "cannot read")
        assertBadInput(try vps("probe"), mentions: "Missing expected argument")
        assertBadInput(try vps("probe", TestMedia.vtest, "--bogus"), mentions: "Unknown option '--bogus'")
        assertBadInput(try vps("frobnicate"), mentions: "frobnicate")
        XCTAssertEqual(try vps("--help").status, 0)
    }
}
