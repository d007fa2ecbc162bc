import Foundation
import VPSCheckpoint
import VPSCore
import VPSDetection
import VPSVideo
import TestSupport

/// A parity fixture written by `scripts/make_parity_fixtures.py`.
struct ParityFixture: Decodable {
    struct Weights: Decodable {
        var generator: String
        var seed: UInt64
        var params: [SeededWeights.Spec]
        var checks: [SeededCheck]
    }
    struct FeatureSamples: Decodable { var shape: [Int]; var meanAbs: Double; var samples: [[Double]] }
    struct MaskRLE: Decodable { var size: [Int]; var counts: String }
    struct Det: Decodable { var box: [Float]; var label: Int; var score: Float; var mask: MaskRLE }
    struct Case: Decodable {
        var input: String
        var frame: Int?
        var width: Int
        var height: Int
        var crc32: UInt32
        var transformedSize: [Int]
        var paddedSize: [Int]
        var fpn: [String: FeatureSamples]
        var proposalCount: Int
        var proposals: [[Float]]
        var detections: [Det]
    }
    var name: String
    var config: MaskRCNNConfig
    var weights: Weights
    var cases: [Case]

    static func load(_ name: String) throws -> ParityFixture {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("parity/\(name).json")))
        return try JSONDecoder().decode(ParityFixture.self, from: data)
    }

    func stateDict() -> StateDict { SeededWeights.stateDict(seed: weights.seed, specs: weights.params) }
}

/// Decodes a fixture's input with vps's own decoder (FFmpeg → RGB24 with
/// the same swscale flags the fixture script passes to the ffmpeg CLI).
enum FixtureInput {
    /// The frame, or nil when the input file is not installed (opencv-doc).
    static func read(_ path: String, frame: Int?) throws -> RGBImage? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let decoder = try VideoDecoder(path: path, selection: FrameSelection(start: frame ?? 0, count: 1))
        return try decoder.nextFrame()?.image
    }
}

/// CRC-32 (IEEE, as zlib.crc32).
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
    static func of(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xff)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
