import Foundation
import TestSupport
import XCTest

/// The shipped model (`Samples/models/vps-synth.safetensors`): found without
/// --weights, and good enough on a Samples clip that random weights of the
/// same architecture could never pass.
final class DefaultModelTests: CLITestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let model = root.appendingPathComponent("Samples/models/vps-synth.safetensors").path

    /// Runs `vps` with `VPS_MODEL` removed from (or set in) its environment.
    func vps(environment: [String: String?], in directory: String? = nil, executable: String = CLITestCase.vps,
             _ args: [String]) throws -> (status: Int32, out: String, err: String) {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.environment = env
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// `vps annotate` with no --weights (and `arguments`) on
    /// Samples/synth/video_000, exported as panoptic and scored by `vps eval`
    /// against the clip's ground truth: VPQ, STQ, AQ and IDF1. `inspect` sees
    /// the export directory and annotate's standard error first.
    func annotateAndScore(_ arguments: [String], inspect: (_ export: String, _ err: String) throws -> Void = { _, _ in }) throws -> [String: Double] {
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clip = Self.root.appendingPathComponent("Samples/synth/video_000").path
        try FileManager.default.createDirectory(atPath: dir + "/pred", withIntermediateDirectories: true)
        let r = try vps(environment: ["VPS_MODEL": nil], [
            "annotate", clip + "/video.mp4", "-o", dir + "/out.mp4",
            "--export", dir + "/pred/video_000", "--format", "panoptic", "--quiet"] + arguments)
        XCTAssertEqual(r.status, 0, r.err)
        try inspect(dir + "/pred/video_000", r.err)
        try FileManager.default.createDirectory(atPath: dir + "/gt", withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: dir + "/gt/video_000", withDestinationPath: clip)
        let e = try vps(environment: [:], ["eval", "--gt", dir + "/gt", "--pred", dir + "/pred", "--json"])
        XCTAssertEqual(e.status, 0, e.err)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(e.out.utf8)) as? [String: Any])
        let overall = try XCTUnwrap(report["overall"] as? [String: Any])
        let stq = try XCTUnwrap(overall["stq"] as? [String: Any])
        let tracking = try XCTUnwrap((overall["tracking"] as? [String: Any])?["combined"] as? [String: Any])
        return [
            "VPQ": try XCTUnwrap((overall["vpq"] as? [String: Any])?["vpq"] as? Double),
            "STQ": try XCTUnwrap(stq["stq"] as? Double),
            "AQ": try XCTUnwrap(stq["aq"] as? Double),
            "IDF1": try XCTUnwrap(tracking["idf1"] as? Double),
        ]
    }

    func assertFloors(_ scores: [String: Double], _ floors: [String: Double], file: StaticString = #filePath, line: UInt = #line) {
        for (name, floor) in floors.sorted(by: { $0.key < $1.key }) {
            let v = scores[name] ?? -1
            XCTAssertGreaterThanOrEqual(v, floor, "\(name) \(v) is below its floor \(floor)", file: file, line: line)
        }
    }

    /// The default pipeline. The shipped model scores VPQ 0.657, STQ 0.575,
    /// AQ 0.525, IDF1 0.763 there; untrained weights of the same
    /// architecture score 0 on all four. The floors sit about 0.1 below the
    /// model's scores.
    func testAnnotateWithTheDefaultModelScoresOnTheSample() throws {
        assertFloors(try annotateAndScore([]), Self.floors)
    }

    /// `--pipeline fast` (key frames, detections carried between them): every
    /// frame is exported, the carried ones say `"propagated": true` and the
    /// first frame (a key frame) does not, and the result still scores. The
    /// shipped model scores VPQ 0.430, STQ 0.463, IDF1 0.675 there; the floors
    /// sit about 0.1 below.
    func testFastPipelineMarksPropagatedFramesAndScores() throws {
        let scores = try annotateAndScore(["--pipeline", "fast"]) { export, _ in
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: export + "/panoptic.json")))
            let annotations = try XCTUnwrap((json as? [String: Any])?["annotations"] as? [[String: Any]])
            XCTAssertEqual(annotations.count, 24)
            let propagated = annotations.map { $0["propagated"] as? Bool ?? false }
            XCTAssertFalse(propagated[0], "the first frame is a key frame")
            XCTAssertGreaterThanOrEqual(propagated.filter { $0 }.count, 8, "most frames between key frames are carried")
        }
        assertFloors(scores, ["VPQ": 0.33, "STQ": 0.36, "IDF1": 0.57])
    }

    /// `fuse: {mode: learned}` runs the shipped model's fusion head between
    /// features and detect, and the result scores at the default's floors.
    func testLearnedFusionWithTheDefaultModelScoresOnTheSample() throws {
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pipeline = dir + "/fused.yaml"
        try "name: fused\nbase: default\nstages:\n  - features: {}\n  - fuse: {mode: learned}\n"
            .write(toFile: pipeline, atomically: true, encoding: .utf8)
        let scores = try annotateAndScore(["--pipeline", pipeline, "--profile"]) { _, err in
            XCTAssertTrue(err.contains("\nfuse "), "the profile lists the fuse stage: \(err)")
        }
        assertFloors(scores, Self.floors)
    }

    /// Floors for `testAnnotateWithTheDefaultModelScoresOnTheSample`.
    static let floors = ["VPQ": 0.55, "STQ": 0.45, "AQ": 0.40, "IDF1": 0.65]

    func testWeightsInspectWithoutAFileDescribesTheDefaultModel() throws {
        let r = try vps(environment: ["VPS_MODEL": nil], ["weights", "inspect", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual(report["path"] as? String, Self.model)
        let config = try XCTUnwrap(report["config"] as? [String: Any])
        XCTAssertEqual(config["classNames"] as? [String], ["__background__", "disc", "box", "triangle", "diamond"])
        XCTAssertEqual(config["categoryIds"] as? [Int], [0, 4, 5, 6, 7])
        XCTAssertNotNil(config["trackHead"])
        XCTAssertEqual((config["semanticHead"] as? [String: Any])?["classNames"] as? [String], ["things", "sky", "ground", "water"])
    }

    func testSearchOrder() throws {
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // $VPS_MODEL wins, and must exist.
        let missing = try vps(environment: ["VPS_MODEL": dir + "/nowhere.safetensors"], ["weights", "inspect"])
        assertBadInput(missing, mentions: "$VPS_MODEL names \(dir)/nowhere.safetensors")
        // An installed binary: models/ beside it; then, outside any checkout, nothing.
        let bin = dir + "/bin"
        try FileManager.default.createDirectory(atPath: bin + "/models", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLITestCase.vps, toPath: bin + "/vps")
        let none = try vps(environment: ["VPS_MODEL": nil], in: dir, executable: bin + "/vps", ["weights", "inspect"])
        assertBadInput(none, mentions: "default model (vps-synth.safetensors) was not found")
        try FileManager.default.createSymbolicLink(atPath: bin + "/models/vps-synth.safetensors", withDestinationPath: Self.model)
        let found = try vps(environment: ["VPS_MODEL": nil], in: dir, executable: bin + "/vps", ["weights", "inspect"])
        XCTAssertEqual(found.status, 0, found.err)
        XCTAssertTrue(found.out.hasPrefix(bin + "/models/vps-synth.safetensors: safetensors"), found.out)
    }
}
