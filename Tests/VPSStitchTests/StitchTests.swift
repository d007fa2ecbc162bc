import TestSupport
import VPSCore
import VPSFormats
import VPSStitch
import XCTest

/// `Stitcher` on synthetic chunk exports with known identities: every format,
/// with and without overlap, and the refusals.
final class StitchTests: XCTestCase {
    /// (frame, track, box) of every instance of a stitched export.
    func readBack(_ path: String, _ format: ExportFormat) throws -> [(frame: Int, track: Int, box: [Double])] {
        switch format {
        case .coco: return try InstanceReader.readCOCO(path).map { ($0.frame, $0.trackId, $0.mask.bbox.map(Double.init)) }
        case .youtubeVIS: return try InstanceReader.readYouTubeVIS(path).map { ($0.frame, $0.trackId, $0.mask.bbox.map(Double.init)) }
        case .mots: return try InstanceReader.readMOTS(path).map { ($0.frame, $0.trackId, $0.mask.bbox.map(Double.init)) }
        case .mot: return try InstanceReader.readMOT(path).map { ($0.frame, $0.trackId, $0.box) }
        case .panoptic:
            let video = try PanopticVideo(directory: path)
            var out: [(Int, Int, [Double])] = []
            for k in video.frames.indices {
                let f = try video.frame(k, png: ChunkFixture.png)
                for s in f.segments where s.categoryId == 4 { out.append((f.index, s.trackId, s.bbox.map(Double.init))) }
            }
            return out
        }
    }

    /// Stitches `chunks` chunks of `fixture` and checks that each object has one ID throughout.
    func checkStitch(_ format: ExportFormat, chunks: Int, overlap: Int, fixture: ChunkFixture = ChunkFixture()) throws {
        let dir = TestMedia.scratchDirectory("stitch-\(format.rawValue)-\(overlap)")
        let manifests = try (1...chunks).reversed().map { try fixture.writeChunk($0, of: chunks, overlap: overlap, format: format, dir: dir) }
        let out = dir + "/stitched." + format.rawValue
        let summary = try Stitcher(chunks: try ChunkSet.read(manifests), format: format, png: ChunkFixture.png).run(output: out)
        XCTAssertEqual(summary.frames, fixture.frameCount)
        XCTAssertEqual(summary.boundaries.count, chunks - 1)
        let got = try readBack(out, format)
        XCTAssertEqual(got.count, fixture.alive.map(\.count).reduce(0, +), "every object in every frame of its life, once")
        var idsOf: [Int: Set<Int>] = [:]
        for r in got {
            guard let o = fixture.object(at: r.frame, box: r.box) else { return XCTFail("\(format): instance at frame \(r.frame) matches no object: \(r.box)") }
            idsOf[o, default: []].insert(r.track)
        }
        XCTAssertEqual(idsOf.count, fixture.alive.count, "\(format)")
        for (o, ids) in idsOf { XCTAssertEqual(ids.count, 1, "\(format): object \(o) has IDs \(ids.sorted())") }
        XCTAssertEqual(Set(idsOf.values.flatMap { $0 }).count, fixture.alive.count, "\(format): distinct objects share an ID")
        if format != .mots { XCTAssertEqual(summary.tracks, fixture.alive.count) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".manifest.json"))
    }

    func testEveryFormatKeepsOneIdPerObjectAcrossFourChunks() throws {
        for format in ExportFormat.allCases { try checkStitch(format, chunks: 4, overlap: 3) }
    }

    func testWithoutOverlapAdjacentFramesLinkSlowObjects() throws {
        try checkStitch(.coco, chunks: 3, overlap: 0)
    }

    func testOneChunkIsRelabelledFromOne() throws {
        try checkStitch(.mot, chunks: 1, overlap: 2)
    }

    func testAnObjectThatEndsAtABoundaryIsNotLinkedToANewOne() throws {
        // Object 1 lives 0..<12; object 2 is born at 12 where object 1 was: in
        // another row, so no IoU, and it must get a new ID.
        let fixture = ChunkFixture(frameCount: 24, alive: [0..<24, 0..<12, 12..<24])
        try checkStitch(.coco, chunks: 2, overlap: 4, fixture: fixture)
    }

    func testRefusesMixedVideosModelsPipelinesAndHoles() throws {
        let fixture = ChunkFixture()
        let dir = TestMedia.scratchDirectory()
        func chunk(_ k: Int, _ sub: String, model: String = "m0", pipeline: String = "p0", video: String = "v0") throws -> String {
            let d = dir + "/" + sub
            try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
            return try fixture.writeChunk(k, of: 3, overlap: 2, format: .coco, dir: d, model: model, pipeline: pipeline, fingerprint: video)
        }
        let a = try chunk(1, "a"), b = try chunk(2, "a"), c = try chunk(3, "a")
        XCTAssertNoThrow(try ChunkSet.read([c, a, b]))
        func refused(_ paths: [String], _ fragment: String, line: UInt = #line) {
            XCTAssertThrowsError(try ChunkSet.read(paths), line: line) { e in
                XCTAssertTrue("\(e)".contains(fragment), "\(e)", line: line)
                XCTAssertFalse("\(e)".contains("\n"), line: line)
            }
        }
        refused([a, b, try chunk(3, "m", model: "m1")], "different models")
        refused([a, b, try chunk(3, "p", pipeline: "p1")], "different pipelines")
        refused([a, b, try chunk(3, "v", video: "v1")], "different videos")
        refused([a, c], "are in no chunk")
        refused([a, b], "missing the last chunk")
        refused([a, b, b, c], "owned by two chunks")
        XCTAssertThrowsError(try ChunkManifest.read(dir + "/none.json")) { XCTAssertTrue("\($0)".contains("no such file")) }
        XCTAssertThrowsError(try Stitcher(chunks: try ChunkSet.read([a, b, c]), format: .mots, png: ChunkFixture.png).run(output: dir + "/x")) {
            XCTAssertTrue("\($0)".contains("lists no mots export"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x"))
    }
}
