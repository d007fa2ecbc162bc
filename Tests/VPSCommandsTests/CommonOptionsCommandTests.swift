import Foundation
import TestSupport
import VPSFormats
import VPSStages
import XCTest

/// `--profile`, `--threads`, `--score-threshold` and repeated `--export`s,
/// run as a user would, with the tests' tiny seeded model on FFmpeg's
/// moving test pattern.
final class CommonOptionsCommandTests: CLITestCase {
    static let scratch = TestMedia.scratchDirectory("CommonOptionsCommandTests")

    /// The input (12 frames, 96×64), the model, and the default pipeline with
    /// the panoptic score threshold at 0 (random heads score about 1/3 per class).
    static let inputs: (video: String, weights: String, pipeline: String)? = {
        let video = scratch + "/testsrc.mp4", weights = scratch + "/tiny.safetensors", pipeline = scratch + "/default.yaml"
        do {
            try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25", "-frames:v", "12",
                                  "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", video])
            try TinyModel.writeCheckpoint(seed: 3, to: weights)
            let yaml = try XCTUnwrap(BuiltinPipelines.yaml["default"]).replacingOccurrences(of: "score_threshold: 0.5 ", with: "score_threshold: 0.0 ")
            try yaml.write(toFile: pipeline, atomically: true, encoding: .utf8)
            return (video, weights, pipeline)
        } catch {
            XCTFail("making the inputs: \(error)")
            return nil
        }
    }()

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: scratch)
        super.tearDown()
    }

    /// `--profile` lists every stage, each export on its own row, with its
    /// input queue's mean/max/capacity; one `--format` applies to every `--export`.
    func testProfileListsEveryStageAndExportWithItsQueue() throws {
        let (video, weights, pipeline) = try XCTUnwrap(Self.inputs)
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try vps("annotate", video, "-o", dir + "/out.mp4", "--weights", weights, "--pipeline", pipeline,
                        "--export", dir + "/a.txt", "--export", dir + "/b.txt", "--format", "mot", "--profile", "--quiet")
        XCTAssertEqual(r.status, 0, r.err)
        let lines = r.err.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.hasSuffix("queue mean/max/cap") == true, r.err)
        let rows = lines.dropFirst().prefix { !$0.hasPrefix("end to end") }.map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(rows.map { $0[0] }.sorted(),
                       ["decode", "detect", "encode", "export", "export", "features", "motion", "panoptic", "render", "track"])
        for row in rows {
            XCTAssertEqual(row[1], "12", "\(row[0]) frames")
            if row[0] == "decode" { XCTAssertEqual(row.last, "-"); continue }
            // mean/max/capacity of the stage's input queue: capacity 4 (default.yaml).
            let q = row.last!.split(separator: "/")
            XCTAssertEqual(q.count, 3, row.joined(separator: " "))
            guard q.count == 3, let mean = Double(q[0]), let max = Int(q[1]) else { continue }
            XCTAssertEqual(q[2], "4", row[0])
            XCTAssertTrue((1...4).contains(max), "\(row[0]): max \(max)")
            XCTAssertTrue(mean >= 1 && mean <= Double(max), "\(row[0]): mean \(mean) of max \(max)")
        }
        // Both exports are MOTChallenge text, the same rows.
        let a = try String(contentsOfFile: dir + "/a.txt", encoding: .utf8), b = try String(contentsOfFile: dir + "/b.txt", encoding: .utf8)
        XCTAssertEqual(a, b)
        let records = try InstanceReader.readMOT(dir + "/a.txt")
        XCTAssertFalse(records.isEmpty)
        for line in a.split(separator: "\n") { XCTAssertEqual(line.split(separator: ",").count, 10, String(line)) }
        XCTAssertThrowsError(try InstanceReader.readCOCO(dir + "/b.txt"), "b.txt is not COCO JSON")
    }

    /// `--threads N` sets the model's (OpenMP) and the flow's (OpenCV) worker
    /// threads; without it the libraries keep their defaults (one per core).
    func testThreadsReachTheLibraries() throws {
        let (video, weights, _) = try XCTUnwrap(Self.inputs)
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (threads, expected) in [(1, "threads: OpenMP 1, OpenCV 1"), (3, "threads: OpenMP 3, OpenCV 3")] {
            let r = try vps("annotate", video, "-o", dir + "/out.mp4", "--weights", weights, "--frames", "2",
                            "--threads", String(threads), "--profile", "--quiet")
            XCTAssertEqual(r.status, 0, r.err)
            XCTAssertTrue(r.err.contains(expected), r.err)
        }
        let r = try vps("annotate", video, "-o", dir + "/out.mp4", "--weights", weights, "--frames", "2", "--profile", "--quiet")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("threads: OpenMP \(ProcessInfo.processInfo.activeProcessorCount),"), r.err)
    }

    /// `--score-threshold X` keeps exactly the detections scoring above X:
    /// the detector without it (the checkpoint's threshold, 0.05) gives a
    /// superset, and the thresholded run is that set less those at or below X
    /// (low-scoring boxes never suppress higher ones in NMS, and the kept
    /// ones are the best-scoring, so the top-k cut keeps the same ones).
    func testScoreThresholdKeepsTheDetectionsAboveIt() throws {
        let (video, weights, _) = try XCTUnwrap(Self.inputs)
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func detections(_ extra: [String]) throws -> [[String: Any]] {
            let r = try TestMedia.run(Self.vps, ["segment", video, "-o", dir + "/out.mp4", "--weights", weights, "--frames", "3",
                                                 "--export", dir + "/dets.json", "--format", "coco", "--quiet"] + extra)
            XCTAssertEqual(r.status, 0, r.err)
            let coco = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/dets.json"))) as! [String: Any]
            return coco["annotations"] as! [[String: Any]]
        }
        let all = try detections([])
        let scores = all.map { $0["score"] as! Double }.sorted()
        XCTAssertGreaterThanOrEqual(scores.count, 4)
        XCTAssertGreaterThan(scores.first ?? 0, 0.05)
        // A threshold at a score near the middle (exported exactly: a Float's
        // value, printed to round-trip), so that it splits them; a detection
        // scoring exactly X is dropped (torchvision keeps scores > X).
        let mid = try XCTUnwrap((1..<scores.count).filter { scores[$0 - 1] < scores[$0] }
            .min { abs($0 - scores.count / 2) < abs($1 - scores.count / 2) })
        let x = scores[mid - 1]
        let kept = try detections(["--score-threshold", "\(x)"])
        func key(_ d: [String: Any]) -> String { "\(d["image_id"]!) \(d["category_id"]!) \(d["score"]!) \(d["bbox"]!)" }
        XCTAssertEqual(Set(kept.map(key)), Set(all.filter { ($0["score"] as! Double) > x }.map(key)))
        XCTAssertEqual(kept.count, scores.count - mid)
    }
}
