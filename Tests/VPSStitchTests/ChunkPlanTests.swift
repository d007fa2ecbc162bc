import Foundation
import TestSupport
import VPSCore
import VPSStitch
import XCTest

/// Chunk arithmetic, `--segment` parsing and the SHA-256 of manifests.
final class ChunkPlanTests: XCTestCase {
    func testCoresTileTheSelectionEvenly() throws {
        for (n, count) in [(100, 4), (101, 4), (7, 7), (10, 3), (1, 1)] {
            var next = 5
            for k in 1...count {
                let c = try ChunkPlan(index: k, count: count, overlap: 2).core(of: 5..<(5 + n))
                XCTAssertEqual(c.lowerBound, next)
                XCTAssertTrue(c.count == n / count || c.count == n / count + 1)
                next = c.upperBound
            }
            XCTAssertEqual(next, 5 + n)
        }
    }

    func testOverlapIsClampedToTheSelection() throws {
        XCTAssertEqual(try ChunkPlan(index: 1, count: 4, overlap: 3).processed(of: 0..<100), 0..<28)
        XCTAssertEqual(try ChunkPlan(index: 2, count: 4, overlap: 3).processed(of: 0..<100), 22..<53)
        XCTAssertEqual(try ChunkPlan(index: 4, count: 4, overlap: 30).processed(of: 0..<100), 45..<100)
    }

    func testBadSegmentsAreRefused() {
        for s in ["0/4", "5/4", "4", "a/b", "1/0", "-1/2", "1/2/3", ""] {
            XCTAssertThrowsError(try ChunkPlan(segment: s, overlap: 0), s) { XCTAssertTrue("\($0)".contains("--segment must be K/N")) }
        }
        XCTAssertThrowsError(try ChunkPlan(segment: "1/2", overlap: -1)) { XCTAssertTrue("\($0)".contains("--overlap")) }
        XCTAssertThrowsError(try ChunkPlan(index: 3, count: 5, overlap: 0).core(of: 0..<4)) { XCTAssertTrue("\($0)".contains("at most 4 chunks")) }
    }

    func testSHA256MatchesKnownDigests() throws {
        XCTAssertEqual(SHA256.hex(Array("".utf8)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var streamed = SHA256()
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        million.withUnsafeBytes { b in
            streamed.update(buffer: UnsafeRawBufferPointer(rebasing: b[0..<333]))
            streamed.update(buffer: UnsafeRawBufferPointer(rebasing: b[333...]))
        }
        XCTAssertEqual(streamed.hexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

/// The manifest file: round trip, stored paths, and one-line refusals.
final class ChunkManifestTests: XCTestCase {
    func testRoundTripAndRelativePaths() throws {
        let dir = TestMedia.scratchDirectory()
        let path = dir + "/run/c1.json.manifest.json"
        try FileManager.default.createDirectory(atPath: dir + "/run", withIntermediateDirectories: true)
        let m = ChunkManifest(
            tool: "vps test", source: .init(path: "/v/a.mp4", bytes: 10, frames: 30, width: 8, height: 6, fingerprint: "f"),
            chunk: .init(index: 2, count: 3, overlap: 2, selection: .init(0..<30), core: .init(10..<20), frames: .init(8..<22)),
            model: .init(name: "/m.safetensors", sha256: "a"), pipeline: .init(name: "default", sha256: "b"),
            video: ChunkManifest.stored(dir + "/run/c1.mp4", manifestPath: path),
            exports: [.init(path: ChunkManifest.stored(dir + "/elsewhere/c1.json", manifestPath: path), format: "coco")])
        XCTAssertEqual(m.video, "c1.mp4")
        XCTAssertTrue(m.exports[0].path.hasPrefix("/"), "outside the manifest's folder: absolute")
        try m.write(to: path)
        let back = try ChunkManifest.read(path)
        XCTAssertEqual(back, m)
        XCTAssertEqual(back.chunk.core.range, 10..<20)
        XCTAssertEqual(ChunkManifest.resolved(back.video!, manifestPath: path), dir + "/run/c1.mp4")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/run"), ["c1.json.manifest.json"])
    }

    func testMalformedManifestsAreRefusedInOneLine() throws {
        let dir = TestMedia.scratchDirectory()
        for (text, fragment) in [("{", "not a vps chunk manifest"), ("{\"version\": 1}", "no \""), ("[]", "not a vps chunk manifest")] {
            let p = dir + "/m.json"
            try text.write(toFile: p, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try ChunkManifest.read(p)) { e in
                XCTAssertTrue("\(e)".contains(fragment), "\(e)")
                XCTAssertFalse("\(e)".contains("\n"))
            }
        }
    }
}
