import TestSupport
import VPSCore
import VPSMotion
import XCTest

final class WarpTests: XCTestCase {
    private func ramp(channels: Int, height: Int, width: Int) -> CHWTensor {
        var t = CHWTensor(channels: channels, height: height, width: width)
        for c in 0..<channels { for y in 0..<height { for x in 0..<width {
            t[c, y, x] = Float(c * 1000 + y * 100 + x)
        } } }
        return t
    }

    func testIntegerFlowShiftsEveryChannel() throws {
        let t = ramp(channels: 3, height: 6, width: 8)
        let out = try Warp.warp(t, by: FlowField(width: 8, height: 6, constant: (2, -1)))
        for c in 0..<3 { for y in 0..<6 { for x in 0..<8 {
            let sx = min(x + 2, 7), sy = max(y - 1, 0) // replicated border
            XCTAssertEqual(out[c, y, x], t[c, sy, sx], "c\(c) y\(y) x\(x)")
        } } }
    }

    func testFractionalFlowIsBilinear() throws {
        let t = ramp(channels: 1, height: 4, width: 4)
        var flow = FlowField(width: 4, height: 4)
        flow[1, 1] = (0.5, 0.25)
        flow[2, 2] = (-0.75, 0)
        let out = try Warp.warp(t, by: flow)
        // t is linear in x and y, so bilinear sampling is exact.
        XCTAssertEqual(out[0, 1, 1], 100 * 1.25 + 1.5, accuracy: 1e-4)
        XCTAssertEqual(out[0, 2, 2], 100 * 2 + 1.25, accuracy: 1e-4)
        XCTAssertEqual(out[0, 0, 0], t[0, 0, 0])
        XCTAssertThrowsError(try Warp.warp(t, by: FlowField(width: 3, height: 4)))
    }

    func testImageWarpMatchesTensorWarp() throws {
        let img = TestMedia.squareFrame(width: 40, height: 30, x0: 10, y0: 5, side: 12)
        var flow = FlowField(width: 40, height: 30)
        for y in 0..<30 { for x in 0..<40 { flow[x, y] = (Float(x % 3) - 1, Float(y % 2)) } }
        let warped = try Warp.warp(img, by: flow)
        var t = CHWTensor(channels: 3, height: 30, width: 40)
        for y in 0..<30 { for x in 0..<40 {
            let p = img[x, y]
            t[0, y, x] = Float(p.0); t[1, y, x] = Float(p.1); t[2, y, x] = Float(p.2)
        } }
        let wt = try Warp.warp(t, by: flow)
        for y in 0..<30 { for x in 0..<40 {
            XCTAssertEqual(Float(warped[x, y].0), wt[0, y, x], accuracy: 1)
            XCTAssertEqual(Float(warped[x, y].2), wt[2, y, x], accuracy: 1)
        } }
    }

    func testMiddleburyColours() {
        func c(_ dx: Float, _ dy: Float, _ m: Float = 1) -> [UInt8] {
            let v = FlowColor.color(dx: dx, dy: dy, maxMagnitude: m)
            return [v.0, v.1, v.2]
        }
        XCTAssertEqual(FlowColor.wheel.count, 55)
        XCTAssertEqual(c(0, 0), [255, 255, 255])
        // Right is red: the wheel's seam lies there, so the blue channel is 0 or 43
        // depending on which side of the seam atan2 lands.
        XCTAssertEqual(c(1, 0)[0...1], [255, 0])
        XCTAssertLessThanOrEqual(c(1, 0)[2], 43)
        XCTAssertEqual(c(0, 1), [255, 229, 0])     // down: yellow
        XCTAssertEqual(c(-1, 0), [0, 209, 255])    // left: cyan
        XCTAssertEqual(c(0, -1), [88, 0, 255])     // up: violet
        XCTAssertEqual(c(1, 0, 2), [255, 127, 127]) // half magnitude: half saturation
        let img = FlowColor.image(FlowField(width: 2, height: 1, data: [0, 2, 0, 0]))
        XCTAssertEqual(img.pixels, [255, 229, 0, 255, 255, 255])
        let neg = FlowColor.image(FlowField(width: 1, height: 1, data: [0, -2]), negate: true)
        XCTAssertEqual(neg.pixels, [255, 229, 0])
    }
}
