import Foundation
import VPSCheckpoint
import VPSCore
import VPSDetection
import VPSTensor
import TestSupport
import XCTest

/// `FuseHead` against its PyTorch reference (`FuseHead` in
/// scripts/vps_heads.py), fixture by scripts/make_fuse_head_fixture.py.
final class FuseHeadTests: XCTestCase {
    struct Fixture: Decodable {
        struct Weight: Decodable { var shape: [Int]; var values: String }
        struct Level: Decodable { var shape: [Int]; var current, previous, fused: String; var validCells: Int }
        var channels, embedDims: Int
        var paddedSize, resizedSize: [Int]
        var flow: String
        var weights: [String: Weight]
        var levels: [Level]
    }

    func load() throws -> Fixture {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("parity/fuse_head.json")))
        return try JSONDecoder().decode(Fixture.self, from: data)
    }

    func head(_ f: Fixture, dropping: String? = nil) -> (FuseHead, ParameterReader) {
        var tensors: [String: TensorEntry] = [:]
        for (name, w) in f.weights where name != dropping {
            tensors[name] = TensorEntry(shape: w.shape, values: HeadFixture.floats(w.values))
        }
        var config = FuseHeadConfig()
        config.embedDims = f.embedDims
        let r = ParameterReader(StateDict(tensors: tensors), batchNormEps: 0)
        return (FuseHead(config: config, channels: f.channels, reader: r), r)
    }

    func maps(_ f: Fixture, _ key: KeyPath<Fixture.Level, String>) -> FeatureMaps {
        let levels = f.levels.map {
            Tensor(shape: $0.shape, layout: .nchw, values: HeadFixture.floats($0[keyPath: key])).converted(to: .blocked8)
        }
        return FeatureMaps(levels: levels, resizedSize: (f.resizedSize[0], f.resizedSize[1]),
                           paddedSize: (f.paddedSize[0], f.paddedSize[1]), originalSize: (f.resizedSize[0], f.resizedSize[1]),
                           timings: ModelTimings())
    }

    /// Every level of P2…P6, padding cells and cells whose sample left the
    /// frame included, equals torch's output.
    func testMatchesThePyTorchReference() throws {
        let f = try load()
        let (fuseHead, reader) = head(f)
        try reader.finish()
        let flow = FlowField(width: f.resizedSize[1], height: f.resizedSize[0], data: HeadFixture.floats(f.flow))
        let fused = fuseHead.fuse(maps(f, \.current), with: maps(f, \.previous), flow: flow)
        XCTAssertEqual(fused.levels.count, 5)
        var worst: Float = 0, changed = 0
        for (level, want) in zip(fused.levels, f.levels) {
            XCTAssertEqual(level.shape, want.shape)
            let got = level.converted(to: .nchw).array, expected = HeadFixture.floats(want.fused)
            let current = HeadFixture.floats(want.current)
            XCTAssertEqual(got.count, expected.count)
            for i in got.indices {
                worst = max(worst, abs(got[i] - expected[i]))
                if abs(expected[i] - current[i]) > 1e-3 { changed += 1 }
            }
        }
        XCTAssertLessThan(worst, 1e-4, "largest difference from torch")
        XCTAssertGreaterThan(changed, 1000, "the fixture's residual must change the features")
    }

    /// Cells whose warped sample left the frame keep the current features exactly.
    func testInvalidCellsKeepTheCurrentFeatures() throws {
        let f = try load()
        let (fuseHead, _) = head(f)
        let flow = FlowField(width: f.resizedSize[1], height: f.resizedSize[0], data: HeadFixture.floats(f.flow))
        let current = maps(f, \.current), previous = maps(f, \.previous)
        let fused = fuseHead.fuse(current, with: previous, flow: flow)
        for (k, level) in fused.levels.enumerated() {
            let valid = FeatureWarp.warp(previous.levels[k], stride: current.stride(of: level), by: flow).valid
            XCTAssertEqual(valid.reduce(0) { $0 + Int($1) }, f.levels[k].validCells, "level \(k): validity as torch's")
            let got = level.converted(to: .nchw).array, cur = current.levels[k].converted(to: .nchw).array
            let cells = level.h * level.w
            for c in 0..<level.c { for p in 0..<cells where valid[p] == 0 { XCTAssertEqual(got[c * cells + p], cur[c * cells + p]) } }
        }
    }

    func testAMissingTensorIsNamed() throws {
        let f = try load()
        let (_, reader) = head(f, dropping: "fuse_head.embed.bias")
        XCTAssertThrowsError(try reader.finish()) { error in
            XCTAssertTrue("\(error)".contains("fuse_head.embed.bias"), "\(error)")
        }
    }

    /// P6 of a padded width that 64 does not divide (352: ⌈352/64⌉ = 6 cells) still has stride 64.
    func testLevelStridesArePowersOfTwo() {
        let maps = FeatureMaps(levels: [], resizedSize: (320, 352), paddedSize: (320, 352), originalSize: (320, 352),
                               timings: ModelTimings())
        XCTAssertEqual([88, 44, 22, 11, 6].map { maps.stride(of: Tensor(shape: [1, 8, 1, $0], layout: .blocked8)) },
                       [4, 8, 16, 32, 64])
    }
}
