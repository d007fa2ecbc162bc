import Foundation
import TestSupport
import VPSCore
import VPSVideo
import XCTest

final class RoundTripTests: XCTestCase {
    func testConstantRateRoundTripKeepsCountAndTimestamps() throws {
        let dir = TestMedia.scratchDirectory()
        let path = try TestMedia.movingSquareVideo(path: dir + "/cfr.mp4", frames: 12, fps: Rational(25, 1))
        let (frames, warnings) = try TestMedia.decodeAll(path)
        XCTAssertEqual(frames.count, 12)
        XCTAssertEqual(warnings, [])
        for (i, f) in frames.enumerated() {
            XCTAssertEqual(f.index, i)
            XCTAssertEqual(f.timestamp, Double(i) / 25, accuracy: 1e-4)
            XCTAssertEqual(f.image.width, 160)
            XCTAssertEqual(f.image.height, 120)
        }
        XCTAssertEqual(try TestMedia.ffprobeFrameCount(path), 12)
        let info = try MediaProbe.probe(path)
        XCTAssertEqual(info.video?.frameRate, "25")
        XCTAssertEqual(info.video?.frameCount, 12)
        XCTAssertEqual(info.video?.codec, "h264")
        XCTAssertEqual(info.video?.pixelFormat, "yuv420p")
    }

    /// MP4 output is written with `+faststart`: the index (`moov`) comes
    /// before the media data (`mdat`), so a player can start before the end.
    func testMP4IndexComesBeforeTheMediaData() throws {
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try TestMedia.movingSquareVideo(path: dir + "/fast.mp4", frames: 10)
        let boxes = try TestMedia.topLevelBoxes(path)
        let moov = try XCTUnwrap(boxes.firstIndex(of: "moov"), "\(boxes)")
        let mdat = try XCTUnwrap(boxes.firstIndex(of: "mdat"), "\(boxes)")
        XCTAssertEqual(boxes.first, "ftyp")
        XCTAssertLessThan(moov, mdat, "\(boxes)")
    }

    func testVariableFrameRateTimestampsSurvive() throws {
        let dir = TestMedia.scratchDirectory()
        let stamps: [Double] = [0, 0.04, 0.1, 0.12, 0.3, 0.31, 0.5, 1.0]
        let enc = try VideoEncoder(path: dir + "/vfr.mp4", width: 64, height: 48, frameRate: Rational(25, 1),
                                   settings: EncoderSettings(preset: "ultrafast"))
        for (i, t) in stamps.enumerated() {
            try enc.write(TestMedia.squareFrame(width: 64, height: 48, x0: i * 3, y0: 4, side: 16), timestamp: t)
        }
        XCTAssertEqual(try enc.finish(), stamps.count)
        let (frames, _) = try TestMedia.decodeAll(dir + "/vfr.mp4")
        XCTAssertEqual(frames.map(\.timestamp).count, stamps.count)
        for (f, t) in zip(frames, stamps) { XCTAssertEqual(f.timestamp, t, accuracy: 1e-4) }
        XCTAssertEqual(try TestMedia.ffprobeFrameCount(dir + "/vfr.mp4"), stamps.count)
    }

    func testOddSizeIsPaddedByOnePixel() throws {
        let dir = TestMedia.scratchDirectory()
        let enc = try VideoEncoder(path: dir + "/odd.mp4", width: 641, height: 359, frameRate: Rational(30000, 1001))
        XCTAssertEqual(enc.outputWidth, 642)
        XCTAssertEqual(enc.outputHeight, 360)
        let img = TestMedia.squareFrame(width: 641, height: 359, x0: 100, y0: 100, side: 50)
        for i in 0..<5 { try enc.write(img, timestamp: Double(i) * 1001 / 30000) }
        try enc.finish()
        let (frames, _) = try TestMedia.decodeAll(dir + "/odd.mp4")
        XCTAssertEqual(frames.count, 5)
        XCTAssertEqual(frames[0].image.width, 642)
        XCTAssertEqual(frames[0].image.height, 360)
        XCTAssertEqual(try MediaProbe.probe(dir + "/odd.mp4").video?.frameRate, "30000/1001")
        // The padding repeats the last column and the last row: compare each
        // with its neighbour (after H.264 at the default quality), and with what
        // black padding would give there.
        let f = frames[4].image
        var columnDiff = 0, columnLevel = 0
        for y in 0..<359 {
            columnDiff += abs(Int(f[641, y].0) - Int(f[640, y].0))
            columnLevel += Int(img[640, y].0)
        }
        XCTAssertLessThan(Double(columnDiff) / 359, 8, "padded column should repeat the last one")
        XCTAssertGreaterThan(Double(columnLevel) / 359, 24, "the last column is too dark for the check to tell it from black")
        var rowDiff = 0, rowLevel = 0
        for x in 0..<641 {
            rowDiff += abs(Int(f[x, 359].0) - Int(f[x, 358].0))
            rowLevel += Int(img[x, 358].0)
        }
        XCTAssertLessThan(Double(rowDiff) / 641, 8, "padded row should repeat the last one")
        XCTAssertGreaterThan(Double(rowLevel) / 641, 24, "the last row is too dark for the check to tell it from black")
        // Decoding an odd-sized file works too: make one with ffmpeg.
        try TestMedia.ffmpeg(["-i", dir + "/odd.mp4", "-vf", "format=rgb24,crop=641:359:0:0", "-c:v", "ffv1", dir + "/odd.mkv"])
        let (odd, _) = try TestMedia.decodeAll(dir + "/odd.mkv")
        XCTAssertEqual(odd.count, 5)
        XCTAssertEqual(odd[0].image.width, 641)
        XCTAssertEqual(odd[0].image.height, 359)
    }

    func testDecodedPixelsMatchTheFFmpegCommandLine() throws {
        let selection = FrameSelection(count: 3)
        let (frames, _) = try TestMedia.decodeAll(TestMedia.vtest, selection: selection)
        let raw = try TestMedia.ffmpegRawFrames(TestMedia.vtest, extraArgs: ["-frames:v", "3"])
        XCTAssertEqual(raw.count, 3 * 768 * 576 * 3)
        XCTAssertTrue(frames.flatMap(\.image.pixels) == raw, "decoded bytes differ from ffmpeg's")
    }

    func testEncodedVideoLooksLikeTheInput() throws {
        let dir = TestMedia.scratchDirectory()
        let img = TestMedia.squareFrame(width: 96, height: 64, x0: 20, y0: 10, side: 30)
        let enc = try VideoEncoder(path: dir + "/q.mp4", width: 96, height: 64, frameRate: Rational(10, 1),
                                   settings: EncoderSettings(preset: "medium", crf: 4))
        for _ in 0..<3 { try enc.write(img) }
        try enc.finish()
        let (frames, _) = try TestMedia.decodeAll(dir + "/q.mp4")
        XCTAssertEqual(frames.count, 3)
        XCTAssertLessThan(TestMedia.meanAbsoluteDifference(frames[2].image.pixels, img.pixels), 6,
                          "near-lossless encode should look like the input")
    }

    func testEncoderRejectsBadDestinationsAndLeavesNothingBehind() throws {
        let dir = TestMedia.scratchDirectory()
        XCTAssertThrowsError(try VideoEncoder(path: dir + "/missing/out.mp4", width: 8, height: 8, frameRate: Rational(1, 1))) {
            XCTAssertEqual($0 as? VPSError, .outputDirectoryMissing(path: dir + "/missing"))
        }
        XCTAssertThrowsError(try VideoEncoder(path: "/proc/out.mp4", width: 8, height: 8, frameRate: Rational(1, 1))) {
            guard case .outputNotWritable = $0 as? VPSError else { return XCTFail("\($0)") }
        }
        // An aborted encode leaves neither the final nor the temporary file.
        do {
            let enc = try VideoEncoder(path: dir + "/aborted.mp4", width: 8, height: 8, frameRate: Rational(1, 1))
            try enc.write(RGBImage(width: 8, height: 8))
            enc.abort()
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
        // While encoding, only the hidden temporary name exists.
        let enc = try VideoEncoder(path: dir + "/live.mp4", width: 8, height: 8, frameRate: Rational(1, 1))
        try enc.write(RGBImage(width: 8, height: 8))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/live.mp4"))
        try enc.finish()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["live.mp4"])
    }
}
