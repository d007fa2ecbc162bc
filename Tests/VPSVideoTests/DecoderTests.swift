import Foundation
import TestSupport
import VPSCore
import VPSVideo
import XCTest

final class DecoderTests: XCTestCase {
    func testRealVideoFromOpenCV() throws {
        let info = try MediaProbe.probe(TestMedia.vtest)
        let v = try XCTUnwrap(info.video)
        XCTAssertEqual(v.width, 768)
        XCTAssertEqual(v.height, 576)
        XCTAssertEqual(v.fps ?? 0, 10, accuracy: 1e-9)
        XCTAssertEqual(v.frameCount, 795)
        XCTAssertEqual(v.codec, "msmpeg4v3")
        let (frames, warnings) = try TestMedia.decodeAll(TestMedia.vtest)
        XCTAssertEqual(frames.count, 795)
        XCTAssertEqual(warnings, [])
        XCTAssertEqual(frames.last!.timestamp, 79.4, accuracy: 1e-6)
        XCTAssertEqual(frames.last!.sourceIndex, 794)
    }

    func testSelectionStartFramesStride() throws {
        let sel = FrameSelection(start: 10, count: 5, stride: 3)
        let (frames, _) = try TestMedia.decodeAll(TestMedia.vtest, selection: sel)
        XCTAssertEqual(frames.map(\.sourceIndex), [10, 13, 16, 19, 22])
        XCTAssertEqual(frames.map(\.index), [0, 1, 2, 3, 4])
        XCTAssertEqual(frames[1].timestamp, 1.3, accuracy: 1e-9)
        let d = try VideoDecoder(path: TestMedia.vtest, selection: FrameSelection(start: 790, stride: 2))
        XCTAssertEqual(d.expectedFrameCount, 3)
        XCTAssertThrowsError(try VideoDecoder(path: TestMedia.vtest, selection: FrameSelection(stride: 0)))
    }

    func testContainersAndCodecs() throws {
        let dir = TestMedia.scratchDirectory()
        let src = try TestMedia.movingSquareVideo(path: dir + "/src.mp4", frames: 10, width: 96, height: 64)
        let cases: [(String, [String], String)] = [
            ("a.avi", ["-c:v", "mpeg4"], "mpeg4"),
            ("b.mkv", ["-c:v", "copy"], "h264"),
            ("c.webm", ["-c:v", "libvpx-vp9", "-b:v", "200k", "-deadline", "realtime"], "vp9"),
            ("d.mov", ["-c:v", "copy"], "h264"),
        ]
        for (name, args, codec) in cases {
            try TestMedia.ffmpeg(["-i", src] + args + [dir + "/" + name])
            let (frames, _) = try TestMedia.decodeAll(dir + "/" + name)
            XCTAssertEqual(frames.count, 10, name)
            XCTAssertEqual(frames.first?.image.width, 96, name)
            XCTAssertEqual(frames.last!.timestamp, 9.0 / 25, accuracy: 1e-3, name)
            XCTAssertEqual(try MediaProbe.probe(dir + "/" + name).video?.codec, codec, name)
        }
    }

    func testStillImages() throws {
        let png = try ImageFile.read(TestMedia.sampleImageDirectory + "/basketball1.png")
        XCTAssertEqual(png.width, 640)
        XCTAssertEqual(png.height, 480)
        let jpg = try ImageFile.read(TestMedia.sampleImageDirectory + "/fruits.jpg")
        XCTAssertEqual(jpg.width, 512)
        XCTAssertEqual(jpg.height, 480)
        // PNG round trip is lossless.
        let dir = TestMedia.scratchDirectory()
        let img = TestMedia.squareFrame(width: 33, height: 17, x0: 3, y0: 2, side: 9)
        try ImageFile.writePNG(img, to: dir + "/x.png")
        XCTAssertEqual(try ImageFile.read(dir + "/x.png"), img)
    }

    func testRotationMetadataIsHonoured() throws {
        let dir = TestMedia.scratchDirectory()
        let src = try TestMedia.movingSquareVideo(path: dir + "/src.mp4", frames: 3, width: 96, height: 64)
        try TestMedia.ffmpeg(["-i", src, "-c", "copy", "-metadata:s:v:0", "rotate=90", dir + "/rot.mp4"])
        let info = try XCTUnwrap(MediaProbe.probe(dir + "/rot.mp4").video)
        // ffprobe reports "rotation=90" (counter-clockwise); ffmpeg turns it
        // upright by rotating 90° counter-clockwise, i.e. 270° clockwise.
        XCTAssertEqual(info.rotation, 270)
        XCTAssertEqual(info.width, 64)
        XCTAssertEqual(info.height, 96)
        let (frames, _) = try TestMedia.decodeAll(dir + "/rot.mp4")
        XCTAssertEqual(frames[0].image.width, 64)
        XCTAssertEqual(frames[0].image.height, 96)
        // Same picture as ffmpeg's own autorotation (which rotates before the
        // RGB conversion, so chroma rounding differs slightly), and clearly not
        // the opposite rotation.
        let reference = try TestMedia.ffmpegRawFrames(dir + "/rot.mp4")
        let ours = frames.flatMap(\.image.pixels)
        XCTAssertEqual(ours.count, reference.count)
        XCTAssertLessThan(TestMedia.meanAbsoluteDifference(ours, reference), 2)
        let opposite = frames.flatMap { $0.image.rotatedClockwise(quarterTurns: 2).pixels }
        XCTAssertGreaterThan(TestMedia.meanAbsoluteDifference(opposite, reference), 10)
    }

    func testTruncatedVideoDecodesAsFarAsItGoes() throws {
        let dir = TestMedia.scratchDirectory()
        try TestMedia.ffmpeg(["-i", TestMedia.vtest, "-frames:v", "40", "-c", "copy", dir + "/full.avi"])
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/full.avi"))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: dir + "/cut.avi"))
        let (frames, warnings) = try TestMedia.decodeAll(dir + "/cut.avi")
        XCTAssertGreaterThan(frames.count, 5)
        XCTAssertLessThan(frames.count, 40)
        XCTAssertFalse(warnings.isEmpty, "truncation must be reported")
    }

    func testBadInputsGiveClearErrors() throws {
        let dir = TestMedia.scratchDirectory()
        XCTAssertThrowsError(try VideoDecoder(path: dir + "/nope.mp4")) {
            XCTAssertEqual($0 as? VPSError, .fileNotFound(path: dir + "/nope.mp4"))
        }
        _ = FileManager.default.createFile(atPath: dir + "/empty.mp4", contents: Data())
        XCTAssertThrowsError(try VideoDecoder(path: dir + "/empty.mp4")) {
            XCTAssertEqual($0 as? VPSError, .emptyFile(path: dir + "/empty.mp4"))
        }
        _ = FileManager.default.createFile(atPath: dir + "/text.mp4", contents: Data("hello, this is not a video\n".utf8))
        XCTAssertThrowsError(try VideoDecoder(path: dir + "/text.mp4")) {
            guard case .unreadableInput(let p, _) = $0 as? VPSError else { return XCTFail("\($0)") }
            XCTAssertEqual(p, dir + "/text.mp4")
        }
        XCTAssertThrowsError(try VideoDecoder(path: dir)) {
            guard case .unreadableInput = $0 as? VPSError else { return XCTFail("\($0)") }
        }
    }
}
