import Foundation
import FuzzSupport
import VPSCore
import VPSFormats

// `panoptic.json` of a video directory → `PanopticVideo(directory:)`, then
// its first frames read with a stand-in PNG reader: an image of the size the
// JSON declares (when small) holding the frame's first segment id, so that
// the size and segment checks run without FFmpeg.
Fuzz.main { bytes in
    let dir = Fuzz.scratch + "/video"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    _ = Fuzz.file("video/panoptic.json", bytes)
    Fuzz.rejectsCleanly {
        let video = try PanopticVideo(directory: dir)
        for k in video.frames.indices.prefix(3) {
            let e = video.frames[k]
            let w = e.width.map { min(max($0, 1), 64) } ?? 4, h = e.height.map { min(max($0, 1), 64) } ?? 4
            let id = e.segments.first?.id ?? 0
            let png = PNGCodec(read: { _ in
                var img = RGBImage(width: w, height: h)
                for i in 0..<(w * h / 2) {
                    img.pixels[3 * i] = UInt8(id & 0xff)
                    img.pixels[3 * i + 1] = UInt8(id >> 8 & 0xff)
                    img.pixels[3 * i + 2] = UInt8(id >> 16 & 0xff)
                }
                return img
            }, write: { _, _ in })
            _ = try video.frame(k, png: png).rles()
        }
    }
}
