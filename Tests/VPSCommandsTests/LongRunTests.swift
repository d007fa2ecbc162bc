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

    /// A tiny seeded Mask R-CNN (ResNet-18 layout, 8–16 channels, 64 px input),
    /// fast enough for 10,000 frames; random weights give near-uniform class
    /// scores, so every frame has detections.
    static func tinyModel(path: String) throws {
        var c = MaskRCNNConfig()
        c.backbone = BackboneConfig.resnet(18)!
        c.backbone.stemChannels = 8
        c.backbone.stageWidths = [8, 16, 16, 16]
        c.backbone.fpnChannels = 16
        c.backbone.batchNormEps = 1e-5
        c.transform.minSize = 64
        c.transform.maxSize = 96
        c.rpn.preNMSTopN = 100
        c.rpn.postNMSTopN = 30
        c.roiHeads.representationSize = 32
        c.roiHeads.maskLayers = [16]
        c.roiHeads.detectionsPerImage = 4
        c.classNames = ["__background__", "blob", "bar"]
        try ModelCheckpoint.write(try SeededModel.randomWeights(config: c, seed: 10_000), config: c, to: path)
    }

    /// The input (FFmpeg's moving test pattern, 96×64), the model, and the
    /// default pipeline with the panoptic score threshold at 0 (random heads
    /// score about 1/3 per class), made once.
    static let inputs: (video: String, weights: String, pipeline: String)? = {
        let video = scratch + "/testsrc.mp4", weights = scratch + "/tiny.safetensors", pipeline = scratch + "/default.yaml"
        do {
            try TestMedia.ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25", "-frames:v", String(frames),
                                  "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", video])
            try tinyModel(path: weights)
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

    func annotateArguments(_ dir: String, frames: Int) throws -> [String] {
        let (video, weights, pipeline) = try XCTUnwrap(Self.inputs)
        var args = ["annotate", video, "-o", dir + "/out.mp4", "--weights", weights, "--pipeline", pipeline,
                    "--frames", String(frames), "--quiet"]
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
        let p = try startVPS(try annotateArguments(dir, frames: Self.frames))
        Thread.sleep(forTimeInterval: 4)
        XCTAssertTrue(p.isRunning, "the run should still be going after 4 s")
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130)
        XCTAssertEqual(listing(dir), ["export-coco", "export-mot", "export-mots", "export-panoptic", "export-youtube-vis", "out.mp4"])
        let n = try TestMedia.ffprobeFrameCount(dir + "/out.mp4")
        XCTAssertGreaterThan(n, 0)
        XCTAssertLessThan(n, Self.frames)
        XCTAssertEqual(try PanopticVideo(directory: dir + "/export-panoptic").frames.count, n)
        let vis = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/export-youtube-vis"))) as! [[String: Any]]
        for e in vis { XCTAssertEqual((e["segmentations"] as! [Any]).count, n) }
        XCTAssertLessThan(try InstanceReader.readCOCO(dir + "/export-coco").map(\.frame).max() ?? 0, n)
        XCTAssertLessThan(try InstanceReader.readMOTS(dir + "/export-mots").map(\.frame).max() ?? 0, n)
        XCTAssertLessThan(try InstanceReader.readMOT(dir + "/export-mot").map(\.frame).max() ?? 0, n)
    }

    /// Two Ctrl-Cs: the run aborts. An output whose writer had already
    /// finished when the second one came stays, complete; nothing else is
    /// left, neither partial files nor staging or scratch folders.
    func testTwoInterruptsLeaveCompleteOutputsOrNothing() throws {
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = try startVPS(try annotateArguments(dir, frames: Self.frames))
        Thread.sleep(forTimeInterval: 4)
        kill(p.processIdentifier, SIGINT)
        Thread.sleep(forTimeInterval: 0.005)
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130)
        let left = listing(dir)
        let finals = ["export-coco", "export-mot", "export-mots", "export-panoptic", "export-youtube-vis", "out.mp4"]
        XCTAssertTrue(left.allSatisfy(finals.contains), "temporary outputs left: \(left)")
        for name in left {
            let path = dir + "/" + name
            switch name {
            case "out.mp4": XCTAssertGreaterThan(try TestMedia.ffprobeFrameCount(path), 0)
            case "export-coco": _ = try InstanceReader.readCOCO(path)
            case "export-mot": _ = try InstanceReader.readMOT(path)
            case "export-mots": _ = try InstanceReader.readMOTS(path)
            case "export-panoptic": XCTAssertGreaterThan(try PanopticVideo(directory: path).frames.count, 0)
            default: _ = try InstanceReader.readYouTubeVIS(path)
            }
        }
    }
}
