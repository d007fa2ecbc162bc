import Foundation
import VPSCheckpoint
import VPSDetection
import TestSupport

/// The extra heads' parity fixture, written by `scripts/make_head_fixtures.py`:
/// the seeded R18-FPN of `r18_fpn.json` plus a track head and a 4-class
/// semantic head, run through the reference modules of `scripts/vps_heads.py`.
struct HeadFixture: Decodable {
    struct Det: Decodable {
        /// (x1, y1, x2, y2) in resized-image pixels, as torchvision's RoI heads return it.
        var resizedBox: [Float]
        /// The same box in input pixels.
        var box: [Float]
        var label: Int
        var score: Float
        /// base64 of little-endian float32: the track head's embedding.
        var track: String
        /// base64 of little-endian float32: the pooled-feature fallback.
        var pooled: String
    }
    struct Case: Decodable {
        var input: String
        var frame: Int?
        var width: Int
        var height: Int
        var crc32: UInt32
        var transformedSize: [Int]
        var paddedSize: [Int]
        var detectionCount: Int
        var detections: [Det]
        var semanticLogits: ParityFixture.FeatureSamples
        var semanticPixels: [Int]
        /// The label map in row-major order as [class, run, class, run, …].
        var semanticRuns: [Int]

        /// The label map, expanded.
        func semanticLabels() -> [Int32] { Runs.expand(semanticRuns) }
    }
    var name: String
    var config: MaskRCNNConfig
    var weights: ParityFixture.Weights
    var cases: [Case]

    static func load() throws -> HeadFixture {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("parity/r18_fpn_heads.json")))
        return try JSONDecoder().decode(HeadFixture.self, from: data)
    }

    func stateDict() -> StateDict { SeededWeights.stateDict(seed: weights.seed, specs: weights.params) }

    /// float32 values from base64 (little-endian).
    static func floats(_ base64: String) -> [Float] {
        guard let data = Data(base64Encoded: base64) else { return [] }
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
}
