import Foundation
import VPSCore
import VPSDetection
import VPSTensor
import XCTest

/// `CosineFusion` and `FeatureMaps.carried` against the rule written out
/// per cell; `FlowField.composed` and its statistics.
final class FeatureFusionTests: XCTestCase {
    /// [1, C, H, W] values from a seed, as `.blocked8`.
    func tensor(_ c: Int, _ h: Int, _ w: Int, seed: Int) -> Tensor {
        let values = (0..<(c * h * w)).map { Float(($0 * 7919 + seed * 104_729) % 1000) / 100 - 5 }
        return Tensor(shape: [1, c, h, w], layout: .nchw, values: values).converted(to: .blocked8)
    }

    func maps(_ levels: [Tensor]) -> FeatureMaps {
        FeatureMaps(levels: levels, resizedSize: (h: 16, w: 24), paddedSize: (h: 16, w: 24), originalSize: (h: 16, w: 24),
                    timings: ModelTimings())
    }

    /// Per cell: w = 1 / (1 + exp(τ(1 − cos))) on the warped previous
    /// features, 1 − w on the current ones; invalid cells keep the current.
    func testCosineFusionFollowsTheRulePerCell() {
        let cur = tensor(11, 4, 6, seed: 1), prev = tensor(11, 4, 6, seed: 2)
        let flow = FlowField(width: 24, height: 16, constant: (-4, 0))  // one stride-4 cell left: the first column is invalid
        let fusion = CosineFusion(temperature: 3)
        let out = fusion.fuse(maps([cur]), with: maps([prev]), flow: flow).levels[0].converted(to: .nchw).array
        let a = cur.converted(to: .nchw).array
        let warped = FeatureWarp.warp(prev, stride: 4, by: flow)
        let b = warped.features.converted(to: .nchw).array
        var checked = 0
        for y in 0..<4 { for x in 0..<6 {
            let cells = (0..<11).map { ($0 * 4 + y) * 6 + x }
            guard warped.valid[y * 6 + x] != 0 else {
                for i in cells { XCTAssertEqual(out[i], a[i], "invalid cell (\(x), \(y)) keeps the current features") }
                continue
            }
            let dot = cells.reduce(Float(0)) { $0 + a[$1] * b[$1] }
            let na = cells.reduce(Float(0)) { $0 + a[$1] * a[$1] }.squareRoot()
            let nb = cells.reduce(Float(0)) { $0 + b[$1] * b[$1] }.squareRoot()
            let w = 1 / (1 + exp(3 * (1 - dot / (na * nb))))
            for i in cells { XCTAssertEqual(out[i], (1 - w) * a[i] + w * b[i], accuracy: 1e-4) }
            checked += 1
        } }
        XCTAssertEqual(checked, 4 * 5, "all but the first column are valid")
    }

    func testFusingAFrameWithItselfChangesNothing() {
        let level = tensor(16, 4, 6, seed: 3)
        let fused = CosineFusion().fuse(maps([level]), with: maps([level]), flow: FlowField(width: 24, height: 16))
        let got = fused.levels[0].converted(to: .nchw).array, want = level.converted(to: .nchw).array
        for i in got.indices { XCTAssertEqual(got[i], want[i], accuracy: 1e-5) }
    }

    func testCarriedFeaturesReadTheBorderOutsideTheFrame() {
        let level = tensor(8, 4, 6, seed: 4)
        let carried = maps([level]).carried(by: FlowField(width: 24, height: 16, constant: (-8, 0))).levels[0]
        let got = carried.converted(to: .nchw).array, src = level.converted(to: .nchw).array
        for c in 0..<8 { for y in 0..<4 { for x in 0..<6 {
            let i = (c * 4 + y) * 6 + x
            XCTAssertEqual(got[i], src[(c * 4 + y) * 6 + max(0, x - 2)], accuracy: 1e-5, "c\(c) y\(y) x\(x)")
        } } }
    }

    func testComposedFlowAddsTheEarlierFlowWhereTheStepLands() {
        var earlier = FlowField(width: 10, height: 4)
        for y in 0..<4 { for x in 0..<10 { earlier[x, y] = (Float(x), Float(y) * 0.5) } }
        let step = FlowField(width: 10, height: 4, constant: (1.5, 0))
        let c = step.composed(with: earlier)
        XCTAssertEqual(c[2, 1].dx, 1.5 + 3.5, accuracy: 1e-5, "step 1.5, then the earlier flow at x = 3.5")
        XCTAssertEqual(c[2, 1].dy, 0.5, accuracy: 1e-5)
        XCTAssertEqual(c[9, 3].dx, 1.5 + 9, accuracy: 1e-5, "the sample position is clamped to the grid")
        let still = FlowField(width: 10, height: 4)
        XCTAssertEqual(still.composed(with: still), still)
    }

    func testMotionStatistics() {
        XCTAssertEqual(FlowField(width: 10, height: 4, constant: (-3, 4)).meanMagnitude, 5, accuracy: 1e-9)
        XCTAssertEqual(FlowField(width: 10, height: 4, constant: (-3, 0)).outsideShare, 0.3, accuracy: 1e-9,
                       "x − 3 < 0 for the first 3 of 10 columns")
        XCTAssertEqual(FlowField(width: 10, height: 4, constant: (0, 0.5)).outsideShare, 0.25, accuracy: 1e-9,
                       "y + 0.5 > 3 on the last of 4 rows")
    }
}
