import Foundation
import TestSupport
import VPSFormats
import VPSStitch
import XCTest

/// `vps annotate --segment` and `vps stitch` end to end: a synthetic video
/// annotated whole and in 3 chunks, the chunks stitched, both scored by
/// `vps eval` against the video's ground truth.
///
/// The model is the seeded parity model (random heads): its scores are near
/// 0 whole and stitched alike, so the scores are compared for the mechanics
/// only. What must hold exactly: the pipeline is causal, so the first
/// chunk's own frames equal the whole run's up to the renumbering of IDs.
/// `scripts/slurm/test-local-cluster` compares scores with a trained model.
final class StitchCommandTests: CLITestCase {
    func evalFigures(_ gt: String, _ pred: String) throws -> (idf1: Double, vpq: Double, tracks: Int) {
        let e = try vps("eval", "--gt", gt, "--pred", pred, "--json", "--no-flicker", "--vpq-stride", "1")
        XCTAssertEqual(e.status, 0, e.err)
        let root = try JSONSerialization.jsonObject(with: Data(e.out.utf8)) as! [String: Any]
        let overall = root["overall"] as! [String: Any]
        let tracking = (overall["tracking"] as! [String: Any])["combined"] as! [String: Any]
        let video = try PanopticVideo(directory: pred + "/video_000")
        let tracks = Set(video.frames.flatMap { $0.segments.filter { $0.instance != 0 }.map(\.trackId) }).count
        return ((tracking["idf1"] as! NSNumber).doubleValue, ((overall["vpq"] as! [String: Any])["vpq"] as! NSNumber).doubleValue, tracks)
    }

    func testChunksStitchedScoreLikeOneProcess() throws {
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let weights = dir + "/heads.safetensors"
        _ = try AnnotateCommandTests.writeCheckpoint(fixture: "r18_fpn_heads.json", to: weights, synthLabels: true)
        // The built-in pipeline with the panoptic score threshold lowered to keep the random heads' detections.
        let pipeline = dir + "/default.yaml"
        try String(contentsOf: TestPaths.root.appendingPathComponent("pipelines/default.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "score_threshold: 0.5 ", with: "score_threshold: 0.0 ")
            .write(toFile: pipeline, atomically: true, encoding: .utf8)
        XCTAssertEqual(try vps("synth", dir + "/ds", "--videos", "1", "--frames", "12", "--size", "96x72", "--seed", "5",
                               "--difficulty", "easy", "--quiet").status, 0)
        let input = dir + "/ds/video_000/video.mp4"
        for d in ["whole", "stitched", "chunks"] { try FileManager.default.createDirectory(atPath: dir + "/" + d, withIntermediateDirectories: true) }
        let common = ["--weights", weights, "--pipeline", pipeline, "--quiet"]
        let whole = try TestMedia.run(Self.vps, ["annotate", input, "-o", dir + "/whole.mp4", "--export", dir + "/whole/video_000",
                                                 "--format", "panoptic"] + common)
        XCTAssertEqual(whole.status, 0, whole.err)

        var manifests: [String] = []
        for k in 1...3 {
            let c = dir + "/chunks/c\(k)"
            let r = try TestMedia.run(Self.vps, ["annotate", input, "-o", c + ".mp4", "--segment", "\(k)/3", "--overlap", "2",
                                                 "--export", c + "-pan", "--format", "panoptic", "--export", c + ".json", "--format", "coco"] + common)
            XCTAssertEqual(r.status, 0, r.err)
            let m = try ChunkManifest.read(c + "-pan.manifest.json")
            XCTAssertEqual(m.chunk.core.range, (k - 1) * 4..<(k * 4))
            XCTAssertEqual(m.chunk.frames.range, max(0, (k - 1) * 4 - 2)..<min(12, k * 4 + 2))
            XCTAssertEqual(m.exports.map(\.format), ["panoptic", "coco"])
            XCTAssertEqual(m.source.frames, 12)
            XCTAssertEqual(try TestMedia.ffprobeFrameCount(c + ".mp4"), 4, "a chunk's video holds its own frames only")
            XCTAssertEqual(try PanopticVideo(directory: c + "-pan").frames.map(\.frameIndex), Array(m.chunk.frames.range))
            manifests.append(c + "-pan.manifest.json")
        }
        let s = try TestMedia.run(Self.vps, ["stitch"] + manifests.reversed() + ["-o", dir + "/stitched/video_000", "--format", "panoptic",
                                                                               "--video", dir + "/stitched.mp4", "--render", dir + "/rendered.mp4"])
        XCTAssertEqual(s.status, 0, s.err)
        XCTAssertTrue(s.err.contains("boundary at frame 4"), s.err)
        XCTAssertEqual(try TestMedia.ffprobeFrameCount(dir + "/stitched.mp4"), 12)
        XCTAssertEqual(try TestMedia.ffprobeFrameCount(dir + "/rendered.mp4"), 12)
        assertBadInput(try vps("stitch", manifests[0], "-o", dir + "/x.json", "--format", "coco", "--render", dir + "/r.mp4"), mentions: "--format panoptic")
        let c = try TestMedia.run(Self.vps, ["stitch"] + manifests + ["-o", dir + "/stitched.json", "--format", "coco", "--quiet"])
        XCTAssertEqual(c.status, 0, c.err)
        // The COCO export stitched on its own gives the panoptic one's instances and IDs.
        let stitchedPanoptic = try PanopticVideo(directory: dir + "/stitched/video_000")
        let fromPanoptic = stitchedPanoptic.frames.flatMap { f in f.segments.filter { $0.instance != 0 }.map { "\(f.frameIndex) \($0.trackId)" } }
        let fromCOCO = try InstanceReader.readCOCO(dir + "/stitched.json").map { "\($0.frame) \($0.trackId)" }
        XCTAssertEqual(fromCOCO.sorted(), fromPanoptic.sorted())

        // The first chunk's own frames: the whole run's, IDs renumbered one to one.
        let wholeVideo = try PanopticVideo(directory: dir + "/whole/video_000")
        var forward: [Int32: Int32] = [:], backward: [Int32: Int32] = [:]
        for t in 0..<4 {
            let a = try wholeVideo.frame(t, png: AnnotateCommandTests.png), b = try stitchedPanoptic.frame(t, png: AnnotateCommandTests.png)
            XCTAssertEqual(a.ids.count, b.ids.count)
            for (x, y) in zip(a.ids, b.ids) {
                XCTAssertEqual(forward[x, default: y], y, "frame \(t): whole id \(x) became two ids")
                XCTAssertEqual(backward[y, default: x], x, "frame \(t): stitched id \(y) covers two whole ids")
                forward[x] = y; backward[y] = x
            }
        }
        XCTAssertTrue(forward.keys.contains { $0 % 1000 != 0 }, "no instance in the first chunk")

        let a = try evalFigures(dir + "/ds", dir + "/whole"), b = try evalFigures(dir + "/ds", dir + "/stitched")
        print("whole: IDF1 \(a.idf1) VPQ \(a.vpq) tracks \(a.tracks); stitched: IDF1 \(b.idf1) VPQ \(b.vpq) tracks \(b.tracks)")
        XCTAssertGreaterThan(b.tracks, 0)
    }

    func testBadChunkArgumentsGiveOneLine() throws {
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = AnnotateCommandTests.clip
        for (seg, mention) in [("0/4", "--segment"), ("5/4", "--segment"), ("x", "--segment")] {
            assertBadInput(try vps("annotate", input, "-o", dir + "/o.mp4", "--segment", seg, "--weights", "w"), mentions: mention)
        }
        assertBadInput(try vps("annotate", input, "-o", dir + "/o.mp4", "--segment", "1/2", "--overlap", "-1", "--weights", "w"), mentions: "--overlap")
        assertBadInput(try vps("annotate", input, "-o", dir + "/o.mp4", "--manifest", dir + "/m.json", "--weights", "w"), mentions: "--segment")
        assertBadInput(try vps("stitch", dir + "/none.json", "-o", dir + "/s.json", "--format", "coco"), mentions: "no such file")
        assertBadInput(try vps("stitch", dir + "/none.json", "-o", dir + "/s.json", "--format", "png"), mentions: "unknown export format")
        XCTAssertEqual(listing(dir), [])
    }
}
