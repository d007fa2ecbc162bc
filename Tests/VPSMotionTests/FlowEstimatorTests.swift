import TestSupport
import VPSCore
import VPSMotion
import VPSVideo
import XCTest

final class FlowEstimatorTests: XCTestCase {
    /// A textured square moves by a known (dx, dy) per frame through an encoded
    /// video; the mean flow over the square must come back within 0.5 px.
    func testMovingSquareFlowIsRecovered() throws {
        let dir = TestMedia.scratchDirectory()
        let (dx, dy) = (3, -2)
        let path = dir + "/square.mp4"
        let enc = try VideoEncoder(path: path, width: 192, height: 144, frameRate: Rational(25, 1),
                                   settings: EncoderSettings(preset: "ultrafast", crf: 8))
        for i in 0..<4 {
            try enc.write(TestMedia.squareFrame(width: 192, height: 144, x0: 60 + i * dx, y0: 60 + i * dy, side: 48))
        }
        try enc.finish()
        let frames = try TestMedia.decodeAll(path).frames
        let methods: [FlowMethod] = [.dis(.ultrafast), .dis(.fast), .dis(.medium), .farneback]
        for method in methods {
            let est = try FlowEstimator(method: method)
            for t in 0..<3 {
                let f = try est.flow(from: frames[t].image, to: frames[t + 1].image)
                XCTAssertEqual(f.width, 192)
                // The square's interior in frame t (a margin keeps edges out).
                let x0 = 60 + t * dx, y0 = 60 + t * dy
                let m = f.mean { x, y in x >= x0 + 8 && x < x0 + 40 && y >= y0 + 8 && y < y0 + 40 }
                XCTAssertEqual(m.dx, Double(dx), accuracy: 0.5, "\(method) frame \(t)")
                XCTAssertEqual(m.dy, Double(dy), accuracy: 0.5, "\(method) frame \(t)")
            }
        }
    }

    func testScaledFlowIsInScaledPixels() throws {
        let a = TestMedia.squareFrame(width: 256, height: 192, x0: 80, y0: 60, side: 64)
        let b = TestMedia.squareFrame(width: 256, height: 192, x0: 88, y0: 64, side: 64)
        let est = try FlowEstimator(method: .dis(.medium), scale: 0.5)
        let f = try est.flow(from: a, to: b)
        XCTAssertEqual(f.width, 128)
        XCTAssertEqual(f.height, 96)
        let m = f.mean { x, y in x >= 44 && x < 68 && y >= 34 && y < 58 }
        XCTAssertEqual(m.dx, 4, accuracy: 0.5)
        XCTAssertEqual(m.dy, 2, accuracy: 0.5)
        // Upsampled back to full size, values are in full-size pixels again.
        let full = f.resampled(width: 256, height: 192)
        let mf = full.mean { x, y in x >= 90 && x < 134 && y >= 70 && y < 114 }
        XCTAssertEqual(mf.dx, 8, accuracy: 1)
        XCTAssertEqual(mf.dy, 4, accuracy: 1)
        XCTAssertThrowsError(try FlowEstimator(scale: 0))
    }

    /// Warping frame t+1 back onto frame t by the DIS flow makes them much more alike (real video).
    func testWarpingRealVideoByItsFlowAlignsFrames() throws {
        let frames = try TestMedia.decodeAll(TestMedia.vtest, selection: FrameSelection(start: 19, count: 2)).frames
        let est = try FlowEstimator(method: .dis(.medium))
        let f = try est.flow(from: frames[0].image, to: frames[1].image)
        let warped = try Warp.warp(frames[1].image, by: f)
        let before = TestMedia.meanAbsoluteDifference(frames[0].image.pixels, frames[1].image.pixels)
        let after = TestMedia.meanAbsoluteDifference(frames[0].image.pixels, warped.pixels)
        XCTAssertLessThan(after, before * 0.6, "before \(before), after \(after)")
    }

    func testMethodNamesParse() throws {
        XCTAssertEqual(try FlowMethod(name: "dis", preset: "ultrafast"), .dis(.ultrafast))
        XCTAssertEqual(try FlowMethod(name: "farneback"), .farneback)
        XCTAssertThrowsError(try FlowMethod(name: "lucas-kanade"))
        XCTAssertThrowsError(try FlowMethod(name: "dis", preset: "slowest"))
    }
}
