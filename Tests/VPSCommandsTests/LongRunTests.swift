import Foundation
import TestSupport
import VPSCheckpoint
import VPSCore
import VPSDetection
import VPSFormats
import VPSStages
import VPSVideo
import XCTest

/// `vps annotate` over 10,000 synthetic frames: memory stays flat, and an
/// interrupted run leaves exports that are either complete or absent.
final class LongRunTests: CLITestCase {
    static let frames = 10_000
    static var scratch = TestMedia.scratchDirectory("LongRunTests")

    /// The input (FFmpeg's moving test pattern, 96×64), the model, and the
    /// default pipeline with the panoptic score threshold at 0 (random heads
    /// score about 1/3 per class), made once.
    static let inputs: (video: String, weights: String, pipeline: String)? = {
        let video = scratch + "/testsrc.mp4", weights = scratch + "/tiny.safetensors", pipeline = scratch + "/default.yaml"
        do {
            try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25", "-frames:v", String(frames),
                                  "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", video])
            try TinyModel.writeCheckpoint(seed: 10_000, to: weights)
            let yaml = try XCTUnwrap(BuiltinPipelines.yaml["default"]).replacingOccurrences(of: "score_threshold: 0.5 ", with: "score_threshold: 0.0 ")
            try yaml.write(toFile: pipeline, atomically: true, encoding: .utf8)
            return (video, weights, pipeline)
        } catch {
            XCTFail("making the long-run inputs: \(error)")
            return nil
        }
    }()

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: scratch)
        super.tearDown()
    }

    func annotateArguments(_ dir: String, frames: Int, quiet: Bool = true) throws -> [String] {
        let (video, weights, pipeline) = try XCTUnwrap(Self.inputs)
        var args = ["annotate", video, "-o", dir + "/out.mp4", "--weights", weights, "--pipeline", pipeline,
                    "--frames", String(frames)] + (quiet ? ["--quiet"] : [])
        for f in ExportFormat.allCases { args += ["--export", dir + "/export-\(f.rawValue)", "--format", f.rawValue] }
        return args
    }

    func peakRSS(frames: Int) throws -> (mb: Double, tracks: Int) {
        let dir = TestMedia.scratchDirectory("LongRunTests-\(frames)")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try TestMedia.run(Self.vps, try annotateArguments(dir, frames: frames) + ["--profile"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(try TestMedia.ffprobeFrameCount(dir + "/out.mp4"), frames)
        let line = try XCTUnwrap(r.err.split(separator: "\n").first { $0.hasPrefix("peak RSS:") })
        let mb = try XCTUnwrap(Double(line.split(separator: " ")[2]))
        let coco = try InstanceReader.readCOCO(dir + "/export-coco")
        XCTAssertEqual(Set(coco.map(\.frame)).count > frames / 2, true, "detections in fewer than half the frames")
        XCTAssertEqual(try PanopticVideo(directory: dir + "/export-panoptic").frames.count, frames)
        return (mb, Set(coco.map(\.trackId)).count)
    }

    /// Peak RSS of 10,000 frames is that of 500, within 20 % (run-to-run noise
    /// of thread and malloc arenas is ~10 %; keeping 2 KB per frame would add 20 MB).
    func testMemoryStaysFlatOver10000Frames() throws {
        let short = try peakRSS(frames: 500)
        let long = try peakRSS(frames: Self.frames)
        print(String(format: "annotate peak RSS: %.1f MB for 500 frames, %.1f MB for %d frames (%d tracks)",
                     short.mb, long.mb, Self.frames, long.tracks))
        XCTAssertLessThan(long.mb, short.mb * 1.2, "peak RSS grew from \(short.mb) MB to \(long.mb) MB")
    }

    /// One Ctrl-C: the frames in flight finish and every export is complete
    /// for the frames written; the video holds the same frames.
    func testInterruptedRunLeavesCompleteExports() throws {
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try startVPS(try annotateArguments(dir, frames: Self.frames, quiet: false))
        // Interrupt once a few frames are through, so that there is a tail in flight.
        XCTAssertTrue(run.waitFor("vps: progress: 1/"), "no progress line: \(run.stderr)")
        run.interrupt()
        XCTAssertEqual(run.wait(), 130, run.stderr)
        XCTAssertEqual(listing(dir), ["export-coco", "export-mot", "export-mots", "export-panoptic", "export-youtube-vis", "out.mp4"])
        let n = try TestMedia.ffprobeFrameCount(dir + "/out.mp4")
        XCTAssertGreaterThan(n, 0)
        XCTAssertLessThan(n, Self.frames)
        XCTAssertTrue(run.stderr.contains("interrupted after \(n) frames"), run.stderr)

        // The panoptic export holds every written frame; its thing segments are
        // what every other export must list, frame by frame and track by track.
        let panoptic = try PanopticVideo(directory: dir + "/export-panoptic")
        XCTAssertEqual(panoptic.frames.map(\.frameIndex), Array(0..<n))
        var things: [Int: Set<Int>] = [:]  // frame → track IDs
        for f in panoptic.frames { things[f.frameIndex] = Set(f.segments.filter { $0.instance != 0 }.map(\.trackId)) }
        let framesWithThings = things.filter { !$0.value.isEmpty }.count
        XCTAssertGreaterThan(framesWithThings, n / 2, "too few frames with tracked things for the check to mean much")
        func byFrame(_ records: [(frame: Int, track: Int)]) -> [Int: Set<Int>] {
            var out: [Int: Set<Int>] = [:]
            for f in 0..<n { out[f] = [] }
            for r in records { out[r.frame, default: []].insert(r.track) }
            return out
        }
        let coco = try InstanceReader.readCOCO(dir + "/export-coco")
        XCTAssertEqual(byFrame(coco.map { ($0.frame, $0.trackId) }), things, "COCO")
        let mot = try InstanceReader.readMOT(dir + "/export-mot")
        XCTAssertEqual(byFrame(mot.map { ($0.frame, $0.trackId) }), things, "MOT")
        // MOTS ids are class·1000 + instance: compare them with the panoptic segment ids.
        var segmentIds: [Int: Set<Int>] = [:]
        for f in panoptic.frames { segmentIds[f.frameIndex] = Set(f.segments.filter { $0.instance != 0 }.map(\.id)) }
        let mots = try InstanceReader.readMOTS(dir + "/export-mots")
        XCTAssertEqual(byFrame(mots.map { ($0.frame, $0.trackId) }), segmentIds, "MOTS")
        let vis = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/export-youtube-vis"))) as! [[String: Any]]
        for e in vis { XCTAssertEqual((e["segmentations"] as! [Any]).count, n) }
        let visRecords = try InstanceReader.readYouTubeVIS(dir + "/export-youtube-vis")
        XCTAssertEqual(byFrame(visRecords.map { ($0.frame, $0.trackId) }), things, "YouTube-VIS")
    }

    /// Two Ctrl-Cs: the run aborts and leaves nothing, neither the video nor
    /// any export, nor staging or scratch folders.
    func testTwoInterruptsLeaveNothing() throws {
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try startVPS(try annotateArguments(dir, frames: Self.frames, quiet: false))
        assertTwoInterruptsLeaveNothing(run, in: dir)
    }
}
