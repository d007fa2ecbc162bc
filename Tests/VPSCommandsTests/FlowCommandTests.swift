import Foundation
import TestSupport
import VPSCore
import VPSStages
import VPSVideo
import XCTest

final class FlowCommandTests: CLITestCase {
    func testFlowVideoShowsTheMotion() throws {
        let dir = TestMedia.scratchDirectory()
        // The square moves right by 3 px per frame.
        try TestMedia.movingSquareVideo(path: dir + "/in.mp4", frames: 16, width: 192, height: 144, dx: 3, dy: 0,
                                        fps: Rational(30000, 1001))
        let r = try vps("flow", dir + "/in.mp4", "-o", dir + "/out.mp4", "--preset", "medium", "--max-magnitude", "6")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(try TestMedia.ffprobeFrameCount(dir + "/out.mp4"), 16)
        XCTAssertEqual(try MediaProbe.probe(dir + "/out.mp4").video?.frameRate, "30000/1001")
        let (input, _) = try TestMedia.decodeAll(dir + "/in.mp4")
        let (frames, _) = try TestMedia.decodeAll(dir + "/out.mp4")
        for (a, b) in zip(input, frames) { XCTAssertEqual(a.timestamp, b.timestamp, accuracy: 1e-3) }
        // Inside the moving square (frame 8: x 64…104, y 30…70), rightward motion is red;
        // the still background is near white.
        let f = frames[8].image
        var red = 0.0, green = 0.0, blue = 0.0, n = 0.0
        for y in 38..<62 { for x in 72..<96 {
            let p = f[x, y]
            red += Double(p.0); green += Double(p.1); blue += Double(p.2); n += 1
        } }
        XCTAssertGreaterThan(red / n, 200)
        XCTAssertLessThan(green / n, 150)
        XCTAssertLessThan(blue / n, 150)
        let corner = f[5, 130]
        XCTAssertGreaterThan(Int(corner.0) + Int(corner.1) + Int(corner.2), 3 * 200)
    }

    func testSideBySideAndSelection() throws {
        let dir = TestMedia.scratchDirectory()
        let r = try vps("flow", TestMedia.vtest, "-o", dir + "/sbs.mp4", "--side-by-side", "--start", "100",
                        "--frames", "6", "--stride", "2", "--preset", "ultrafast", "--quiet")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.err, "", "--quiet prints nothing")
        let info = try XCTUnwrap(MediaProbe.probe(dir + "/sbs.mp4").video)
        XCTAssertEqual(info.width, 1536)
        XCTAssertEqual(info.height, 576)
        XCTAssertEqual(info.frameRate, "5")
        XCTAssertEqual(try TestMedia.ffprobeFrameCount(dir + "/sbs.mp4"), 6)
        XCTAssertEqual(listing(dir), ["sbs.mp4"])
        // Frames 100, 102, … of a 10 fps input sit at 10.0, 10.2, … s there; the
        // output's timestamps are shifted so the first selected frame is at 0.
        let times = try TestMedia.ffprobeFrameTimes(dir + "/sbs.mp4")
        XCTAssertEqual(times.count, 6)
        for (k, t) in times.enumerated() { XCTAssertEqual(t, 0.2 * Double(k), accuracy: 1e-3, "frame \(k)") }
        XCTAssertEqual(try TestMedia.decodeAll(dir + "/sbs.mp4").frames.map(\.timestamp).first ?? -1, 0, accuracy: 1e-6)
    }

    func testStillImageGivesAOneFrameVideo() throws {
        let dir = TestMedia.scratchDirectory()
        let r = try vps("flow", TestMedia.sampleImageDirectory + "/basketball1.png", "-o", dir + "/one.mp4")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(try TestMedia.ffprobeFrameCount(dir + "/one.mp4"), 1)
    }

    func testProfilePrintsEveryStage() throws {
        let dir = TestMedia.scratchDirectory()
        let r = try vps("flow", TestMedia.vtest, "-o", dir + "/p.mp4", "--frames", "5", "--profile")
        XCTAssertEqual(r.status, 0, r.err)
        for stage in ["decode", "motion", "render", "encode", "end to end: 5 frames", "peak RSS"] {
            XCTAssertTrue(r.err.contains(stage), "profile should show \(stage): \(r.err)")
        }
    }

    func testTruncatedInputWarnsAndFinishes() throws {
        let dir = TestMedia.scratchDirectory()
        try TestMedia.ffmpeg(["-i", TestMedia.vtest, "-frames:v", "30", "-c", "copy", dir + "/full.avi"])
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/full.avi"))
        try data.prefix(data.count * 2 / 3).write(to: URL(fileURLWithPath: dir + "/cut.avi"))
        let r = try vps("flow", dir + "/cut.avi", "-o", dir + "/cut.mp4", "--quiet")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("vps: warning:"), r.err)
        let n = try TestMedia.ffprobeFrameCount(dir + "/cut.mp4")
        XCTAssertGreaterThan(n, 5)
        XCTAssertLessThan(n, 30)
    }

    func testBadInputsAndOutputs() throws {
        let dir = TestMedia.scratchDirectory()
        assertBadInput(try vps("flow", dir + "/missing.mp4", "-o", dir + "/o.mp4"), mentions: "input not found")
        _ = FileManager.default.createFile(atPath: dir + "/zero.mp4", contents: Data())
        assertBadInput(try vps("flow", dir + "/zero.mp4", "-o", dir + "/o.mp4"), mentions: "input is empty")
        _ = FileManager.default.createFile(atPath: dir + "/text.mp4", contents: Data(String(repeating: "not a video ", count: 100).utf8))
        assertBadInput(try vps("flow", dir + "/text.mp4", "-o", dir + "/o.mp4"), mentions: "cannot read")
        assertBadInput(try vps("flow", TestMedia.vtest, "-o", dir + "/nowhere/o.mp4"), mentions: "output directory does not exist")
        assertBadInput(try vps("flow", TestMedia.vtest, "-o", "/proc/o.mp4"), mentions: "cannot write /proc/o.mp4")
        assertBadInput(try vps("flow", TestMedia.vtest, "-o", dir), mentions: "existing directory")
        assertBadInput(try vps("flow", TestMedia.vtest, "-o", dir + "/o.txt"), mentions: "container format")
        assertBadInput(try vps("flow", TestMedia.vtest, "-o", dir + "/o.mp4", "--unknown-flag"), mentions: "Unknown option")
        assertBadInput(try vps("flow", TestMedia.vtest, "-o", dir + "/o.mp4", "--preset", "warp9"), mentions: "unknown DIS preset 'warp9'")
        assertBadInput(try vps("flow", TestMedia.vtest, "-o", dir + "/o.mp4", "--stride", "0"), mentions: "--stride")
        assertBadInput(try vps("flow", TestMedia.vtest, "-o", dir + "/o.mp4", "--start", "5000"), mentions: "no frames were selected")
        try "stages:\n  - decode: {}\n  - motion: {prest: fast}\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        assertBadInput(try vps("flow", TestMedia.vtest, "-o", dir + "/o.mp4", "--pipeline", dir + "/bad.yaml"),
                       mentions: "stage 'motion' has no setting 'prest'; valid: method, preset, scale")
        try "stages: [decode, sharpen, encode]\n".write(toFile: dir + "/bad2.yaml", atomically: true, encoding: .utf8)
        assertBadInput(try vps("flow", TestMedia.vtest, "-o", dir + "/o.mp4", "--pipeline", dir + "/bad2.yaml"),
                       mentions: "unknown stage 'sharpen'; valid stages: decode, motion, features, fuse, detect, propagate, track, panoptic, load_panoptic, render, export, encode")
        try "stages: [decode, encode]\n".write(toFile: dir + "/bad3.yaml", atomically: true, encoding: .utf8)
        assertBadInput(try vps("flow", TestMedia.vtest, "-o", dir + "/o.mp4", "--pipeline", dir + "/bad3.yaml"),
                       mentions: "'encode' needs 'canvas'")
        // Nothing was left behind by any of these.
        XCTAssertEqual(listing(dir), ["bad.yaml", "bad2.yaml", "bad3.yaml", "text.mp4", "zero.mp4"])
    }

    func testBuiltInPipelinesMatchTheShippedFiles() throws {
        let dir = TestPaths.root.appendingPathComponent("pipelines")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertEqual(files.map { String($0.dropLast(5)) }, BuiltinPipelines.yaml.keys.sorted(),
                       "run scripts/embed_pipelines")
        for f in files {
            let text = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
            XCTAssertEqual(BuiltinPipelines.yaml[String(f.dropLast(5))].map { $0 + "\n" }, text, "\(f): run scripts/embed_pipelines")
        }
    }

    /// `vps bench pipeline` reports every stage of the pipeline it ran and
    /// leaves nothing behind.
    func testBenchPipelineReportsEveryStage() throws {
        let r = try vps("bench", "pipeline", TestMedia.vtest, "--pipeline", "flow", "--frames", "3", "--json")
        XCTAssertEqual(r.status, 0, r.err)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual(obj["frames"] as? Int, 3)
        let stages = try XCTUnwrap(obj["stages"] as? [[String: Any]])
        XCTAssertEqual(stages.map { $0["name"] as? String }, ["decode", "motion", "render", "encode"])
        XCTAssertTrue(stages.allSatisfy { ($0["frames"] as? Int) == 3 && ($0["fps"] as? Double ?? 0) > 0 })
        XCTAssertNotNil(obj["endToEndOverSlowest"] as? Double)
        let scratch = FileManager.default.temporaryDirectory.path
        XCTAssertFalse(listing(scratch).contains { $0.hasPrefix("vps-bench-") }, "the bench's scratch folder is removed")
    }
}
