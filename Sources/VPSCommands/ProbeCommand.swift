import ArgumentParser
import Foundation
import VPSCore
import VPSVideo

/// `vps probe INPUT [--json]`: what a media file holds.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Show the streams of a video or image: codec, size, fps, frame count, duration, rotation.")

    @Argument(help: "A video or still image.")
    var input: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Flag(name: .customLong("count-frames"), help: "Count the video's packets for an exact frame count.")
    var countFrames = false

    func run() throws {
        let info = try MediaProbe.probe(input, countFrames: countFrames)
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try enc.encode(info), as: UTF8.self))
            return
        }
        print(Self.text(info))
    }

    static func text(_ info: MediaInfo) -> String {
        var lines = ["\(info.path): \(info.container)" + (info.duration.map { String(format: ", %.3f s", $0) } ?? "")]
        for s in info.streams {
            var parts = ["stream \(s.index): \(s.kind.rawValue) \(s.codec)"]
            if let w = s.width, let h = s.height { parts.append("\(w)x\(h)") }
            if let p = s.pixelFormat { parts.append(p) }
            if let r = s.frameRate, let f = s.fps { parts.append("\(String(format: "%.3f", f)) fps (\(r))") }
            if let n = s.frameCount { parts.append("\(n) frames" + (s.frameCountExact == false ? " (estimated)" : "")) }
            if let d = s.duration { parts.append(String(format: "%.3f s", d)) }
            if let r = s.rotation, r != 0 { parts.append("rotated \(r)° clockwise on decode") }
            if s.index == info.videoStreamIndex { parts.append("[decoded]") }
            lines.append("  " + parts.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}
