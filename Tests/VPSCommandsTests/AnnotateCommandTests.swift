import Foundation
import TestSupport
import VPSCore
import VPSDetection
import VPSEval
import VPSFormats
import VPSVideo
import XCTest

/// `vps annotate` end to end, run as a user would: parity-fixture weights on a
/// Samples clip, every export format in one pass, checked against each other
/// and against the annotated video.
final class AnnotateCommandTests: CLITestCase {
    static let root = TestPaths.root
    static let clip = TestPaths.repository("Samples/synth/video_000/video.mp4")
    static let png = ImageFile.pngCodec

    /// The seeded parity model of `fixture` as a safetensors checkpoint, its
    /// input size reduced (the weights are the fixture's) so the test runs fast.
    static func writeCheckpoint(fixture: String, to path: String, synthLabels: Bool = false) throws -> MaskRCNNConfig {
        let model = try SeededModel.load(path: TestPaths.fixture("parity/\(fixture)"))
        var config = model.config
        config.transform.minSize = 240
        config.transform.maxSize = 320
        if synthLabels {
            // The labels mapped onto `vps synth`'s label set (things 4–7, stuff 1–3), so `vps eval` takes the output.
            config.categoryIds = config.classNames.indices.map { $0 == 0 ? 0 : 4 + $0 % 4 }
            config.semanticHead?.categoryIds = [1, 2, 3]
        }
        try ModelCheckpoint.write(model.stateDict(), config: config, to: path)
        return config
    }

    /// A pipeline file: the built-in one with the panoptic score threshold
    /// lowered to keep the random heads' detections.
    func pipelineFile(_ builtin: String, in dir: String) throws -> String {
        let path = dir + "/\(builtin).yaml"
        let yaml = try String(contentsOf: Self.root.appendingPathComponent("pipelines/\(builtin).yaml"), encoding: .utf8)
            .replacingOccurrences(of: "score_threshold: 0.5 ", with: "score_threshold: 0.0 ")
            .replacingOccurrences(of: "trails: 0 ", with: "trails: 8 ")
        XCTAssertTrue(yaml.contains("score_threshold: 0.0"))
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testAnnotateWritesTheVideoAndEveryExport() throws {
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let weights = dir + "/heads.safetensors"
        let config = try Self.writeCheckpoint(fixture: "r18_fpn_heads.json", to: weights, synthLabels: true)
        XCTAssertNotNil(config.trackHead)
        XCTAssertNotNil(config.semanticHead)
        let frames = 6
        var args = ["annotate", Self.clip, "-o", dir + "/out.mp4", "--weights", weights, "--frames", String(frames),
                    "--pipeline", try pipelineFile("default", in: dir), "--quiet"]
        try FileManager.default.createDirectory(atPath: dir + "/pred", withIntermediateDirectories: false)
        for f in ExportFormat.allCases {
            let path = f == .panoptic ? dir + "/pred/video_000" : dir + "/export-\(f.rawValue)"
            args += ["--export", path, "--format", f.rawValue]
        }
        let r = try TestMedia.run(Self.vps, args)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(try TestMedia.ffprobeFrameCount(dir + "/out.mp4"), frames)

        // The panoptic export is what was rendered: every other export must agree with it.
        let video = try PanopticVideo(directory: dir + "/pred/video_000")
        XCTAssertEqual(video.frames.count, frames)
        let panoptic = try (0..<frames).map { try video.frame($0, png: Self.png) }
        XCTAssertTrue(video.categories.contains { !$0.isThing }, "the semantic head's stuff categories are exported")
        // 90 labels merged onto synth's 4 thing categories: each category listed once.
        XCTAssertEqual(video.categories.map(\.id).sorted(), [1, 2, 3, 4, 5, 6, 7])
        var things: [Int: [Int: RLE]] = [:]  // track → frame → mask
        for f in panoptic {
            for s in f.segments where s.instance != 0 { things[s.trackId, default: [:]][f.index] = f.rle(of: s.id) }
        }
        XCTAssertFalse(things.isEmpty, "no tracked instance in \(frames) frames")
        XCTAssertTrue(things.values.contains { $0.count >= 3 }, "no track lasts 3 frames")

        // COCO: one entry per (frame, track), RLEs equal to the rendered masks.
        let coco = try InstanceReader.readCOCO(dir + "/export-coco")
        XCTAssertEqual(coco.count, things.values.reduce(0) { $0 + $1.count })
        for rec in coco { XCTAssertEqual(things[rec.trackId]?[rec.frame], rec.mask, "coco track \(rec.trackId) frame \(rec.frame)") }
        // YouTube-VIS: one entry per track.
        let visJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/export-youtube-vis"))) as! [[String: Any]]
        XCTAssertEqual(visJSON.map { $0["track_id"] as! Int }.sorted(), things.keys.sorted())
        for e in visJSON { XCTAssertEqual((e["segmentations"] as! [Any]).count, frames) }
        let vis = try InstanceReader.readYouTubeVIS(dir + "/export-youtube-vis")
        for rec in vis { XCTAssertEqual(things[rec.trackId]?[rec.frame], rec.mask) }
        // MOTS: the same masks, ids class·1000 + instance.
        let mots = try InstanceReader.readMOTS(dir + "/export-mots")
        XCTAssertEqual(mots.count, coco.count)
        for rec in mots {
            let f = panoptic[rec.frame]
            XCTAssertEqual(f.segments.first { $0.id == rec.trackId }.map { f.rle(of: $0.id) }, rec.mask, "mots id \(rec.trackId)")
        }
        // MOT: one box per (frame, track), the mask's tight box.
        let mot = try InstanceReader.readMOT(dir + "/export-mot")
        XCTAssertEqual(mot.count, coco.count)
        for b in mot {
            let s = panoptic[b.frame].segments.first { $0.trackId == b.trackId && $0.instance != 0 }
            XCTAssertEqual(s.map { $0.bbox.map(Double.init) }, b.box)
        }

        // The video shows the masks: inside them it differs from the input far
        // more than where nothing is drawn.
        let input = try TestMedia.ffmpegRawFrames(Self.clip, extraArgs: ["-frames:v", String(frames)])
        let output = try TestMedia.ffmpegRawFrames(dir + "/out.mp4")
        XCTAssertEqual(input.count, output.count)
        let w = video.width, h = video.height
        var inside = (sum: 0, n: 0), void = (sum: 0, n: 0)
        for f in panoptic {
            let boxes = f.segments.filter { $0.instance != 0 }.map(\.bbox)
            for y in 0..<h {
                for x in 0..<w {
                    let id = f.ids[y * w + x]
                    let nearBox = boxes.contains { b in x >= b[0] - 12 && x < b[0] + b[2] + 12 && y >= b[1] - 24 && y < b[1] + b[3] + 12 }
                    guard id % 1000 != 0 || (id == 0 && !nearBox) else { continue }
                    let o = ((f.index * h + y) * w + x) * 3
                    let d = (0..<3).reduce(0) { $0 + abs(Int(input[o + $1]) - Int(output[o + $1])) }
                    if id == 0 { void.sum += d; void.n += 1 } else { inside.sum += d; inside.n += 1 }
                }
            }
        }
        XCTAssertGreaterThan(inside.n, 0)
        let insideMean = Double(inside.sum) / Double(max(inside.n, 1)), voidMean = Double(void.sum) / Double(max(void.n, 1))
        XCTAssertGreaterThan(insideMean, voidMean + 30, "inside masks \(insideMean), void \(voidMean)")

        // `vps eval` scores the output against the clip's ground truth (its first frames).
        try FileManager.default.createDirectory(atPath: dir + "/gt", withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: dir + "/gt/video_000",
                                                   withDestinationPath: Self.root.appendingPathComponent("Samples/synth/video_000").path)
        let e = try TestMedia.run(Self.vps, ["eval", "--gt", dir + "/gt", "--pred", dir + "/pred", "--json"])
        XCTAssertEqual(e.status, 0, e.err)
        let scores = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(e.out.utf8)) as? [String: Any])
        let stq = try XCTUnwrap((scores["overall"] as? [String: Any])?["stq"] as? [String: Any], e.out)
        // The known values: the export's frames and the ground truth's, paired by
        // frame index, through VPSEval's STQ (deeplab2's, see ReferenceAgreementTests);
        // ground-truth frames past the 6 predicted ones count as all void.
        let truth = try PanopticVideo(directory: dir + "/gt/video_000")
        XCTAssertGreaterThan(truth.frames.count, frames)
        var reference = STQAccumulator(categories: truth.categories)
        reference.beginVideo(name: "video_000")
        for (k, entry) in truth.frames.enumerated() {
            let g = try truth.frame(k, png: Self.png)
            let p = entry.frameIndex < frames ? panoptic[entry.frameIndex]
                : PanopticFrame(index: entry.frameIndex, width: w, height: h, ids: [Int32](repeating: 0, count: w * h), segments: [])
            try reference.add(try FrameOverlap(gt: g, pred: p, categories: truth.categories))
        }
        let expected = reference.result()
        XCTAssertGreaterThan(expected.aq, 0, "no predicted track overlaps a ground-truth one")
        XCTAssertGreaterThan(expected.iou, 0)
        for (key, value) in [("stq", expected.stq), ("aq", expected.aq), ("iou", expected.iou)] {
            XCTAssertEqual(try XCTUnwrap(stq[key] as? Double, key), value, accuracy: 1e-12, key)
        }
        XCTAssertTrue(e.err.contains("\(truth.frames.count - frames) of \(truth.frames.count) frames have no prediction"), e.err)
    }

    /// A checkpoint without a track head or a semantic head: things plus void,
    /// tracked from pooled features; the per-frame baseline pipeline runs too.
    func testCheckpointWithoutExtraHeads() throws {
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let weights = dir + "/plain.safetensors"
        let config = try Self.writeCheckpoint(fixture: "r18_fpn.json", to: weights)
        XCTAssertNil(config.trackHead)
        XCTAssertNil(config.semanticHead)
        for pipeline in ["default", "per-frame"] {
            let out = dir + "/\(pipeline)-pan"
            let r = try TestMedia.run(Self.vps, ["annotate", Self.clip, "-o", dir + "/\(pipeline).mp4", "--weights", weights,
                                                 "--frames", "4", "--pipeline", try pipelineFile(pipeline, in: dir),
                                                 "--export", out, "--format", "panoptic", "--quiet"])
            XCTAssertEqual(r.status, 0, r.err)
            let video = try PanopticVideo(directory: out)
            XCTAssertTrue(video.categories.allSatisfy(\.isThing), pipeline)
            let segments = video.frames.flatMap(\.segments)
            XCTAssertFalse(segments.isEmpty, pipeline)
            XCTAssertTrue(segments.allSatisfy { $0.instance != 0 }, "\(pipeline): stuff without a semantic head")
        }
        // The built-in baseline by name.
        let r = try TestMedia.run(Self.vps, ["annotate", Self.clip, "-o", dir + "/b.mp4", "--weights", weights,
                                             "--frames", "2", "--pipeline", "per-frame", "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
    }

    func testBadInputIsOneLine() throws {
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        assertBadInput(try vps("annotate", Self.clip, "-o", dir + "/o.mp4", "--weights", dir + "/none.safetensors"), mentions: "input not found")
        assertBadInput(try vps("annotate", Self.clip, "-o", dir + "/o.mp4", "--export", dir + "/a.json", "--format", "csv"),
                       mentions: "unknown export format 'csv'")
        assertBadInput(try vps("annotate", Self.clip, "-o", dir + "/o.mp4", "--export", dir + "/a", "--export", dir + "/b",
                               "--format", "coco", "--format", "mot", "--format", "mots"), mentions: "one --format per --export")
        assertBadInput(try vps("annotate", Self.clip, "-o", dir + "/o.mp4", "--export", dir + "/o.mp4"), mentions: "different path")
        let weights = dir + "/plain.safetensors"
        _ = try Self.writeCheckpoint(fixture: "r18_fpn.json", to: weights)
        assertBadInput(try vps("annotate", Self.clip, "-o", dir + "/o.mp4", "--weights", weights, "--export", "/nonexistent/x.json"),
                       mentions: "/nonexistent")
        assertBadInput(try vps("annotate", dir + "/missing.mp4", "-o", dir + "/o.mp4", "--weights", weights), mentions: "missing.mp4")
        XCTAssertEqual(listing(dir), ["plain.safetensors"])
    }
}
