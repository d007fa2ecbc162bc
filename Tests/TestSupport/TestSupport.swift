import Foundation
import VPSCore
import VPSVideo

/// Helpers shared by the test targets: scratch folders, synthetic frames and
/// videos written with vps's own encoder, and external-tool runners.
public enum TestMedia {
    /// A fresh, empty scratch directory under the system temporary folder.
    public static func scratchDirectory(_ name: String = #function) -> String {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        let dir = NSTemporaryDirectory() + "vps-tests/\(safe)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A deterministic high-frequency texture value in 0…255 at (x, y).
    public static func texture(_ x: Int, _ y: Int, seed: UInt32 = 1) -> UInt8 {
        var h = UInt32(truncatingIfNeeded: x &* 73856093) ^ UInt32(truncatingIfNeeded: y &* 19349663) ^ (seed &* 83492791)
        h = (h ^ (h >> 13)) &* 0x5bd1e995
        h ^= h >> 15
        return UInt8(truncatingIfNeeded: h)
    }

    /// Smooth value noise in 0…255: a random grid every `cell` pixels,
    /// interpolated bilinearly, so the image has clean gradients everywhere.
    public static func smoothNoise(_ x: Int, _ y: Int, cell: Int, seed: UInt32) -> Float {
        let gx = x / cell, gy = y / cell
        let fx = Float(x % cell) / Float(cell), fy = Float(y % cell) / Float(cell)
        func g(_ a: Int, _ b: Int) -> Float { Float(texture(a, b, seed: seed)) }
        let top = g(gx, gy) * (1 - fx) + g(gx + 1, gy) * fx
        let bottom = g(gx, gy + 1) * (1 - fx) + g(gx + 1, gy + 1) * fx
        return top * (1 - fy) + bottom * fy
    }

    /// A textured background with a textured square of side `side` whose top-left
    /// corner is at (`x0`, `y0`). Both carry smooth noise (the square's moves with it)
    /// so that optical flow has something to lock onto.
    public static func squareFrame(width: Int, height: Int, x0: Int, y0: Int, side: Int) -> RGBImage {
        var img = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let inside = x >= x0 && x < x0 + side && y >= y0 && y < y0 + side
                if inside {
                    let v = UInt8(96 + smoothNoise(x - x0 + 64, y - y0 + 64, cell: 6, seed: 7) * 0.6)
                    img[x, y] = (v, v, 255 - v)
                } else {
                    let v = UInt8(smoothNoise(x, y, cell: 10, seed: 3) * 0.35)
                    img[x, y] = (v, v / 2, v)
                }
            }
        }
        return img
    }

    /// Writes a video of a square moving by (dx, dy) px per frame; returns its path.
    @discardableResult
    public static func movingSquareVideo(path: String, frames: Int, width: Int = 160, height: Int = 120,
                                         dx: Int = 2, dy: Int = 1, fps: Rational = Rational(25, 1),
                                         crf: Int = 10) throws -> String {
        let enc = try VideoEncoder(path: path, width: width, height: height, frameRate: fps,
                                   settings: EncoderSettings(preset: "ultrafast", crf: crf))
        for i in 0..<frames {
            let img = squareFrame(width: width, height: height, x0: 40 + i * dx, y0: 30 + i * dy, side: 40)
            try enc.write(img, timestamp: Double(i) * Double(fps.den) / Double(fps.num))
        }
        try enc.finish()
        return path
    }

    /// Runs an executable and returns (exit status, stdout, stderr).
    @discardableResult
    public static func run(_ executable: String, _ args: [String], stdin: FileHandle? = nil) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = stdin ?? FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// Runs `ffmpeg` (installed by scripts/setup) and fails loudly if it fails.
    public static func ffmpeg(_ args: [String]) throws {
        let r = try run("/usr/bin/ffmpeg", ["-v", "error", "-y"] + args)
        guard r.status == 0 else { throw VPSError.internalFailure("ffmpeg \(args.joined(separator: " ")) failed: \(r.err)") }
    }

    /// Frame count as ffprobe counts it by decoding.
    public static func ffprobeFrameCount(_ path: String) throws -> Int {
        let r = try run("/usr/bin/ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0",
                                             "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path])
        return Int(r.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// Presentation times (seconds) of every frame of the first video stream,
    /// as ffprobe reports them.
    public static func ffprobeFrameTimes(_ path: String) throws -> [Double] {
        let r = try run("/usr/bin/ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries",
                                             "frame=best_effort_timestamp_time", "-of", "csv=p=0", path])
        // One line per frame, the value first (a frame with side data adds a
        // trailing comma and a blank line).
        return r.out.split(separator: "\n").compactMap { line in
            line.split(separator: ",").first.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        }
    }

    /// The four-character types of an MP4/MOV file's top-level boxes, in file order.
    public static func topLevelBoxes(_ path: String) throws -> [String] {
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var types: [String] = [], offset = 0
        func be(_ at: Int, _ n: Int) -> Int { (0..<n).reduce(0) { $0 << 8 | Int(data[at + $1]) } }
        while offset + 8 <= data.count {
            var size = be(offset, 4)
            types.append(String(decoding: data[(offset + 4)..<(offset + 8)], as: UTF8.self))
            if size == 1, offset + 16 <= data.count { size = be(offset + 8, 8) }  // 64-bit size
            if size == 0 { break }  // to the end of the file
            guard size >= 8 else { throw VPSError.unreadableInput(path: path, reason: "box of \(size) bytes at \(offset)") }
            offset += size
        }
        return types
    }

    /// RGB24 bytes of every frame as the ffmpeg CLI decodes them (autorotate on).
    public static func ffmpegRawFrames(_ path: String, extraArgs: [String] = []) throws -> [UInt8] {
        let r = try runData("/usr/bin/ffmpeg", ["-v", "error", "-i", path] + extraArgs +
                            ["-f", "rawvideo", "-pix_fmt", "rgb24", "-sws_flags", "bilinear+accurate_rnd+full_chroma_int", "-"])
        return r
    }

    static func runData(_ executable: String, _ args: [String]) throws -> [UInt8] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return [UInt8](o)
    }

    /// OpenCV's sample video (768×576, 10 fps, 795 frames), from Debian's opencv-doc.
    public static let vtest = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"
    /// OpenCV's sample still images.
    public static let sampleImageDirectory = "/usr/share/doc/opencv-doc/examples/data"

    /// Mean absolute difference of two equally long byte buffers.
    public static func meanAbsoluteDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
        precondition(a.count == b.count && !a.isEmpty)
        var s = 0
        for i in 0..<a.count { s += abs(Int(a[i]) - Int(b[i])) }
        return Double(s) / Double(a.count)
    }

    /// Decodes every frame of a file with vps's decoder.
    public static func decodeAll(_ path: String, selection: FrameSelection = .all) throws -> (frames: [VideoFrame], warnings: [String]) {
        let d = try VideoDecoder(path: path, selection: selection)
        var out: [VideoFrame] = []
        while let f = try d.nextFrame() { out.append(f) }
        return (out, d.warnings)
    }
}
