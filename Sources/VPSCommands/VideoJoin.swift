import Foundation
import VPSCore

/// Joins MP4 files end to end without re-encoding, through the `ffmpeg`
/// program's concat demuxer (`-f concat -c copy`). The chunk videos of one
/// run share codec, size and time base, and each starts with a key frame, so
/// a stream copy is exact. The result appears under its name only on success.
enum VideoJoin {
    static func concat(_ parts: [String], to output: String) throws {
        for p in parts where !FileManager.default.fileExists(atPath: p) { throw VPSError.fileNotFound(path: p) }
        guard let ffmpeg = findProgram("ffmpeg") else {
            throw VPSError.invalidArgument("--video needs the ffmpeg program on PATH (apt-get install ffmpeg)")
        }
        let out = try AtomicOutput(path: output)
        let list = out.temporaryPath + ".txt"
        defer { unlink(list) }
        let text = parts.map { "file '" + ChunkPathQuote.quote(URL(fileURLWithPath: $0).standardizedFileURL.path) + "'\n" }.joined()
        try text.write(toFile: list, atomically: false, encoding: .utf8)
        let ext = URL(fileURLWithPath: output).pathExtension.lowercased()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ffmpeg)
        process.arguments = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "concat", "-safe", "0", "-i", list,
                             "-c", "copy", "-f", ext == "mkv" ? "matroska" : (ext == "mov" ? "mov" : "mp4")]
            + (ext == "mkv" ? [] : ["-movflags", "+faststart"]) + [out.temporaryPath]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            out.discard()
            let line = message.split(separator: "\n").last.map(String.init) ?? "exit status \(process.terminationStatus)"
            throw VPSError.outputNotWritable(path: output, reason: "ffmpeg could not join the chunk videos: \(line)")
        }
        try out.commit()
    }

    static func findProgram(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }
}

/// Quoting for ffmpeg's concat list: inside single quotes, a quote is written '\''.
enum ChunkPathQuote {
    static func quote(_ s: String) -> String { s.replacingOccurrences(of: "'", with: "'\\''") }
}
