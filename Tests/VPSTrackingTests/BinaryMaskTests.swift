import Foundation
import XCTest
import VPSCore
import VPSMotion
import VPSTracking

final class BinaryMaskTests: XCTestCase {
    /// A blob and a smooth flow with displacements up to ~6.5 px.
    func blobAndFlow() -> (BinaryMask, FlowField) {
        let W = 80, H = 60
        var bits = [UInt8](repeating: 0, count: W * H)
        for y in 0..<H { for x in 0..<W {
            let dx = Double(x - 30), dy = Double(y - 25)
            if dx * dx / 144 + dy * dy / 64 <= 1 || (x >= 40 && x < 46 && y >= 20 && y < 40) { bits[y * W + x] = 1 }
        } }
        var f = FlowField(width: W, height: H)
        for y in 0..<H { for x in 0..<W {
            f[x, y] = (Float(4 * sin(Double(y) / 9) + 1.3), Float(-3 * cos(Double(x) / 11) + 0.7))
        } }
        return (BinaryMask(rowMajor: bits, frameWidth: W, frameHeight: H), f)
    }

    func testCropWarpEqualsFullFrameWarp() throws {
        let (m, f) = blobAndFlow()
        let tensor = CHWTensor(channels: 1, height: m.frameHeight, width: m.frameWidth, data: m.rowMajor().map(Float.init))
        let full = try Warp.warp(tensor, by: f).data.map { $0 >= 0.5 ? UInt8(1) : 0 }
        let crop = try m.warped(by: f, margin: BinaryMask.warpMargin(of: f))
        XCTAssertEqual(crop.rowMajor(), full)
        XCTAssertGreaterThan(crop.area, 100)
        XCTAssertNotEqual(crop.rowMajor(), m.rowMajor(), "the flow must move the mask")
        // at the frame edge the border is replicated, as Warp does
        let edge = BinaryMask.rectangle(frameWidth: 80, frameHeight: 60, x0: 0, y0: 10, x1: 5, y1: 20)
        let push = FlowField(width: 80, height: 60, constant: (-7, 0)) // content moves 7 px right
        let e = try edge.warped(by: push, margin: 7)
        let et = try Warp.warp(CHWTensor(channels: 1, height: 60, width: 80, data: edge.rowMajor().map(Float.init)), by: push)
        XCTAssertEqual(e.rowMajor(), et.data.map { $0 >= 0.5 ? UInt8(1) : 0 })
        XCTAssertEqual(e.area, 12 * 10)
    }

    func testIoUMatchesRLE() {
        let (m, _) = blobAndFlow()
        let n = m.shifted(dx: 5, dy: -3)
        XCTAssertEqual(m.intersectionArea(n), m.rle.intersectionArea(n.rle))
        XCTAssertEqual(m.iou(n), m.rle.iou(n.rle), accuracy: 1e-12)
        XCTAssertEqual(m.area, m.rle.area)
        let b = m.rle.bbox
        XCTAssertEqual(m.box, Box(x1: Double(b[0]), y1: Double(b[1]), x2: Double(b[0] + b[2]), y2: Double(b[1] + b[3])))
        // shifting out of the frame cuts the mask off
        XCTAssertEqual(m.shifted(dx: 200, dy: 0).area, 0)
        XCTAssertEqual(m.shifted(dx: -m.x0 - m.width + 3, dy: 0).box.x2, 3)
    }

    func testBoxIoU() {
        let a = Box(x1: 0, y1: 0, x2: 10, y2: 10), b = Box(x1: 5, y1: 0, x2: 15, y2: 10)
        XCTAssertEqual(a.iou(b), 50.0 / 150.0, accuracy: 1e-12)
        XCTAssertEqual(a.iou(a.offsetBy(dx: 20, dy: 0)), 0)
    }
}
