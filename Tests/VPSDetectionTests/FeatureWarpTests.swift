import Foundation
import VPSCore
import VPSDetection
import VPSMotion
import VPSTensor
import XCTest

/// `FeatureWarp` on engine tensors against a naive C×H×W warp written out
/// here, and against `Warp.warp`; `FlowField.atStride` on its own.
final class FeatureWarpTests: XCTestCase {
    /// A C×H×W tensor of distinct values.
    private func features(channels: Int, height: Int, width: Int) -> CHWTensor {
        var t = CHWTensor(channels: channels, height: height, width: width)
        for c in 0..<channels { for y in 0..<height { for x in 0..<width {
            t[c, y, x] = Float((c * 7919 + y * 104_729 + x * 1_299_709) % 1000) / 100 - 5
        } } }
        return t
    }

    /// A smooth flow with large displacements, some leaving the frame.
    private func flow(width: Int, height: Int) -> FlowField {
        var f = FlowField(width: width, height: height)
        for y in 0..<height { for x in 0..<width {
            f[x, y] = (Float(x) * 0.37 - 6 + sin(Float(y) * 0.3) * 3, Float(height - y) * 0.21 - 2.5 + cos(Float(x) * 0.2))
        } }
        return f
    }

    /// The warp as its documentation states it, one element at a time.
    private func naive(_ t: CHWTensor, stride s: Int, by flow: FlowField) -> (CHWTensor, [UInt8]) {
        func clamp(_ v: Float, _ hi: Int) -> Float { min(max(v, 0), Float(hi - 1)) }
        func bilinear(_ x: Float, _ y: Float, _ w: Int, _ h: Int, _ value: (Int, Int) -> Float) -> Float {
            let cx = clamp(x, w), cy = clamp(y, h)
            let x0 = Int(cx.rounded(.down)), y0 = Int(cy.rounded(.down))
            let x1 = min(x0 + 1, w - 1), y1 = min(y0 + 1, h - 1), ax = cx - Float(x0), ay = cy - Float(y0)
            return (1 - ax) * (1 - ay) * value(x0, y0) + ax * (1 - ay) * value(x1, y0)
                + (1 - ax) * ay * value(x0, y1) + ax * ay * value(x1, y1)
        }
        var out = CHWTensor(channels: t.channels, height: t.height, width: t.width)
        var valid = [UInt8](repeating: 0, count: t.height * t.width)
        let S = Float(s)
        for y in 0..<t.height { for x in 0..<t.width {
            let fx = (Float(x) + 0.5) * S - 0.5, fy = (Float(y) + 0.5) * S - 0.5
            let dx = bilinear(fx, fy, flow.width, flow.height) { flow[$0, $1].dx }
            let dy = bilinear(fx, fy, flow.width, flow.height) { flow[$0, $1].dy }
            // Inside the frame, in frame pixels.
            let px = (Float(x) + dx / S + 0.5) * S - 0.5, py = (Float(y) + dy / S + 0.5) * S - 0.5
            guard px >= -1e-4, py >= -1e-4, px <= Float(flow.width - 1) + 1e-4, py <= Float(flow.height - 1) + 1e-4 else { continue }
            valid[y * t.width + x] = 1
            for c in 0..<t.channels {
                out[c, y, x] = bilinear(Float(x) + dx / S, Float(y) + dy / S, t.width, t.height) { t[c, $1, $0] }
            }
        } }
        return (out, valid)
    }

    private func engine(_ t: CHWTensor, _ layout: TensorLayout) -> Tensor {
        Tensor(shape: [1, t.channels, t.height, t.width], layout: .nchw, values: t.data).converted(to: layout)
    }

    func testMatchesNaiveWarpInEveryLayout() {
        // 11 channels (a partial block of 8), stride 4, a 34×26 frame on a
        // 9×7 grid (36×28 pixels: the last column and row are padding).
        let t = features(channels: 11, height: 7, width: 9)
        let f = flow(width: 34, height: 26)
        let (expected, expectedValid) = naive(t, stride: 4, by: f)
        XCTAssertTrue(expectedValid.contains(0) && expectedValid.contains(1), "the flow should leave the frame somewhere")
        for layout in [TensorLayout.nchw, .nhwc, .blocked8] {
            let r = FeatureWarp.warp(engine(t, layout), stride: 4, by: f)
            XCTAssertEqual(r.features.layout, layout)
            XCTAssertEqual(r.features.shape, [1, 11, 7, 9])
            XCTAssertEqual(r.valid, expectedValid, "\(layout)")
            let got = r.features.converted(to: .nchw).array
            for i in got.indices { XCTAssertEqual(got[i], expected.data[i], accuracy: 1e-4, "\(layout) element \(i)") }
        }
    }

    /// At stride 1 with the flow at the tensor's size, the valid samples are
    /// exactly `Warp.warp`'s (same sampler), and the rest are zero.
    func testStrideOneMatchesWarpWhereValid() throws {
        let t = features(channels: 10, height: 12, width: 15)
        let f = flow(width: 15, height: 12)
        let reference = try Warp.warp(t, by: f)
        for layout in [TensorLayout.nhwc, .blocked8] {
            let r = FeatureWarp.warp(engine(t, layout), stride: 1, by: f)
            let got = r.features.converted(to: .nchw).array
            for c in 0..<10 { for y in 0..<12 { for x in 0..<15 {
                let i = (c * 12 + y) * 15 + x
                let sx = Float(x) + f[x, y].dx, sy = Float(y) + f[x, y].dy
                let inside = sx >= 0 && sy >= 0 && sx <= 14 && sy <= 11
                XCTAssertEqual(r.valid[y * 15 + x], inside ? 1 : 0)
                XCTAssertEqual(got[i], inside ? reference.data[i] : 0, "\(layout) c\(c) y\(y) x\(x)")
            } } }
        }
    }

    func testZeroFlowIsTheIdentity() {
        let t = features(channels: 16, height: 5, width: 6)
        let r = FeatureWarp.warp(engine(t, .blocked8), stride: 8, by: FlowField(width: 48, height: 40))
        XCTAssertEqual(r.features.converted(to: .nchw).array, t.data)
        XCTAssertEqual(r.valid, [UInt8](repeating: 1, count: 30))
    }

    func testAtStrideSamplesCellCentresAndScales() {
        let f = FlowField(width: 64, height: 32, constant: (4, -8))
        let d = f.atStride(8, width: 8, height: 4)
        XCTAssertEqual(d.width, 8)
        XCTAssertEqual(d.height, 4)
        XCTAssertEqual(d[3, 2].dx, 0.5, accuracy: 1e-6)
        XCTAssertEqual(d[3, 2].dy, -1, accuracy: 1e-6)
        // A ramp dx = x is read at the cell centre (x + 0.5)·4 − 0.5; cells
        // past the field's edge take its last column.
        var g = FlowField(width: 10, height: 4)
        for y in 0..<4 { for x in 0..<10 { g[x, y] = (Float(x), 0) } }
        let e = g.atStride(4, width: 3, height: 1)
        XCTAssertEqual(e[0, 0].dx, 1.5 / 4, accuracy: 1e-6)
        XCTAssertEqual(e[1, 0].dx, 5.5 / 4, accuracy: 1e-6)
        XCTAssertEqual(e[2, 0].dx, 9.0 / 4, accuracy: 1e-6)
    }
}
