import Foundation
import XCTest
import TestSupport
import VPSVideo

/// `vps synth` and `vps eval` as a user runs them.
final class EvalSynthCommandTests: CLITestCase {
    var dir = ""

    override func setUp() {
        dir = TestMedia.scratchDirectory(name)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func testSynthThenEvalAgainstItselfIsPerfect() throws {
        let r = try vps("synth", dir + "/ds", "--videos", "2", "--frames", "6", "--size", "64x48", "--seed", "4", "--quiet")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(listing(dir + "/ds"), ["train.json", "video_000", "video_001"])
        XCTAssertEqual(listing(dir + "/ds/video_000"), ["frames", "panoptic", "panoptic.json", "video.mp4"])
        let e = try vps("eval", "--gt", dir + "/ds", "--pred", dir + "/ds", "--vpq-stride", "1", "--json")
        XCTAssertEqual(e.status, 0, e.err)
        let root = try JSONSerialization.jsonObject(with: Data(e.out.utf8)) as! [String: Any]
        let overall = root["overall"] as! [String: Any]
        XCTAssertEqual((overall["vpq"] as! [String: Any])["vpq"] as? Double, 1)
        XCTAssertEqual((overall["stq"] as! [String: Any])["stq"] as? Double, 1)
        XCTAssertEqual(((overall["tracking"] as! [String: Any])["combined"] as! [String: Any])["idf1"] as? Double, 1)
        XCTAssertEqual((root["videos"] as! [Any]).count, 2)
        let table = try vps("eval", "--gt", dir + "/ds", "--pred", dir + "/ds", "--chart", dir + "/chart.png")
        let chart = try ImageFile.read(dir + "/chart.png")
        XCTAssertEqual(chart.width, 1000)
        XCTAssertGreaterThan(chart.pixels.filter { $0 < 128 }.count, 1000, "the chart has content")
        XCTAssertEqual(table.status, 0)
        XCTAssertTrue(table.out.contains("ALL"), table.out)
        XCTAssertTrue(table.out.contains("100.0"), table.out)
    }

    func testSameSeedSameBytes() throws {
        for k in 0..<2 {
            let r = try vps("synth", dir + "/s\(k)", "--videos", "1", "--frames", "3", "--size", "48x32", "--seed", "9", "--no-video", "--quiet")
            XCTAssertEqual(r.status, 0, r.err)
        }
        for f in ["train.json", "video_000/panoptic.json", "video_000/panoptic/000002.png", "video_000/frames/000001.png"] {
            XCTAssertEqual(FileManager.default.contents(atPath: dir + "/s0/" + f), FileManager.default.contents(atPath: dir + "/s1/" + f), f)
        }
    }

    func testBadInputsGiveOneLine() throws {
        assertBadInput(try vps("eval", "--gt", dir + "/none", "--pred", dir), mentions: "not found")
        assertBadInput(try vps("eval", "--gt", dir, "--pred", dir), mentions: "panoptic.json")
        assertBadInput(try vps("synth", dir + "/x", "--size", "abc"), mentions: "--size")
        assertBadInput(try vps("synth", dir + "/x", "--frames", "0"), mentions: "--frames")
        assertBadInput(try vps("synth", dir + "/missing/x"), mentions: "does not exist")
    }
}

extension EvalSynthCommandTests {
    func testChartDirectoryMustExist() throws {
        let r = try vps("synth", dir + "/ds", "--videos", "1", "--frames", "2", "--size", "32x32", "--no-video", "--quiet")
        XCTAssertEqual(r.status, 0, r.err)
        assertBadInput(try vps("eval", "--gt", dir + "/ds", "--pred", dir + "/ds", "--chart", dir + "/no/c.png"), mentions: "does not exist")
    }
}

extension EvalSynthCommandTests {
    func testConvertRoundTripsThroughEveryMaskFormat() throws {
        XCTAssertEqual(try vps("synth", dir + "/ds", "--videos", "1", "--frames", "4", "--size", "64x48", "--no-video", "--quiet").status, 0)
        let v = dir + "/ds/video_000"
        for f in ["coco", "youtube-vis", "mots"] {
            let out = dir + "/out." + f
            XCTAssertEqual(try vps("convert", v, "-o", out, "--format", f).status, 0, f)
            let pan = dir + "/pan-" + f
            let r = try vps("convert", out, "-o", pan, "--format", "panoptic", "--categories", v + "/panoptic.json")
            XCTAssertEqual(r.status, 0, r.err)
            let e = try vps("eval", "--gt", v, "--pred", pan, "--json", "--no-flicker", "--vpq-stride", "1")
            let root = try JSONSerialization.jsonObject(with: Data(e.out.utf8)) as! [String: Any]
            let overall = root["overall"] as! [String: Any]
            XCTAssertEqual((overall["vpq"] as! [String: Any])["vpqThings"] as? Double, 1, f)
            XCTAssertEqual(((overall["tracking"] as! [String: Any])["combined"] as! [String: Any])["idf1"] as? Double, 1, f)
        }
        XCTAssertEqual(try vps("convert", v, "-o", dir + "/b.mot", "--format", "mot").status, 0)
        assertBadInput(try vps("convert", v, "-o", dir + "/x", "--format", "kitti"), mentions: "youtube-vis")
    }
}

extension EvalSynthCommandTests {
    func testMissingPredictionFramesAreWarnedAndCountAsVoid() throws {
        XCTAssertEqual(try vps("synth", dir + "/a", "--videos", "1", "--frames", "4", "--size", "32x32", "--no-video", "--quiet").status, 0)
        // a prediction with only the first 2 of the 4 frames, by editing its panoptic.json
        try FileManager.default.copyItem(atPath: dir + "/a", toPath: dir + "/b")
        let path = dir + "/b/video_000/panoptic.json"
        var root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        root["annotations"] = Array((root["annotations"] as! [Any]).prefix(2))
        try JSONSerialization.data(withJSONObject: root).write(to: URL(fileURLWithPath: path))
        let r = try vps("eval", "--gt", dir + "/a", "--pred", dir + "/b", "--json", "--no-flicker", "--vpq-stride", "1")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("2 of 4 frames have no prediction"), r.err)
        let root2 = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        let video = (root2["videos"] as! [[String: Any]])[0]
        XCTAssertEqual(video["missingPredictionFrames"] as? Int, 2)
        let pq = video["perFramePQ"] as! [Any]
        XCTAssertEqual(pq[0] as? Double, 1)
        XCTAssertEqual(pq[3] as? Double, 0)
    }
}

extension EvalSynthCommandTests {
    /// `--pred` given a COCO instances JSON, a YouTube-VIS results JSON or a
    /// MOTS text file: they carry the same thing masks and track IDs as the
    /// panoptic prediction they were converted from, so every tracking figure
    /// equals the one for that prediction directory (a damaged prediction, so
    /// the figures are not trivially 1), and stuff counts as missed.
    func testPredictionFilesScoreLikeTheirPanopticSource() throws {
        let gt = TestPaths.repository("Samples/synth/video_000"), pred = TestPaths.repository("Samples/synth-pred/video_000")
        func scores(_ p: String) throws -> [String: Any] {
            let e = try vps("eval", "--gt", gt, "--pred", p, "--json", "--no-flicker")
            XCTAssertEqual(e.status, 0, e.err)
            return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(e.out.utf8)) as? [String: Any])["overall"] as! [String: Any]
        }
        func tracking(_ overall: [String: Any]) -> [String: Double] {
            ((overall["tracking"] as! [String: Any])["combined"] as! [String: Any]).compactMapValues { $0 as? Double }
        }
        let reference = try scores(pred)
        let expected = tracking(reference)
        XCTAssertLessThan(try XCTUnwrap(expected["idf1"]), 0.95, "the damaged prediction should not track perfectly")
        XCTAssertGreaterThan(try XCTUnwrap(expected["idf1"]), 0.3)
        XCTAssertGreaterThanOrEqual(expected.count, 5, "\(expected)")
        for format in ["coco", "youtube-vis", "mots"] {
            let file = dir + "/pred." + format
            let c = try vps("convert", pred, "-o", file, "--format", format)
            XCTAssertEqual(c.status, 0, c.err)
            let got = try scores(file)
            let figures = tracking(got)
            XCTAssertEqual(Set(figures.keys), Set(expected.keys), format)
            for (name, value) in expected {
                XCTAssertEqual(figures[name] ?? .nan, value, accuracy: 1e-12, "\(format): \(name)")
            }
            // Instance files carry no stuff: VPQ for stuff is 0.
            XCTAssertEqual((got["vpq"] as! [String: Any])["vpqStuff"] as? Double, 0, format)
        }
    }
}
