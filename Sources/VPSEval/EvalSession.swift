import Foundation
import VPSCore
import VPSFormats
import VPSVideo

/// `vps eval`: pairs ground-truth and predicted videos and runs the `Evaluator`.
///
/// - `gt` is a dataset directory (one video directory with `panoptic.json`, or
///   a directory of them; see `PanopticWriter`).
/// - `pred` is either the same kind of directory (videos are paired by name;
///   a single video pairs with a single video whatever the names), or one
///   instance export for a single-video ground truth: COCO instances JSON,
///   YouTube-VIS results JSON, or MOTS text. Instance exports carry no
///   stuff, so stuff scores count every stuff segment as missed.
/// - Optical flow for the flicker metric comes from the ground truth's
///   `video.mp4` or `frames/NNNNNN.png` (as `vps synth` writes them); without
///   them the flicker warp is the identity.
public enum EvalSession {
    public static func run(gt: String, pred: String, options: EvalOptions, png: PNGCodec) throws -> EvalReport {
        let gtVideos = try PanopticDataset.open(gt)
        let categories = gtVideos[0].categories
        for v in gtVideos where v.categories != categories {
            throw VPSError.unreadableInput(path: v.directory, reason: "its categories differ from those of \(gtVideos[0].directory)")
        }
        var ev = try Evaluator(categories: categories, options: options)
        let predFrames: [PredictionFrames]
        if FileSystem.isDirectory(pred) {
            let predVideos = try PanopticDataset.open(pred)
            let byName = Dictionary(predVideos.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            predFrames = try gtVideos.map { g in
                let p: PanopticVideo
                if gtVideos.count == 1 && predVideos.count == 1 {
                    p = predVideos[0]
                } else if let q = byName[g.name] {
                    p = q
                } else {
                    throw VPSError.invalidArgument("no prediction for video '\(g.name)' in \(pred) (it has: \(predVideos.map(\.name).joined(separator: ", ")))")
                }
                var position: [Int: Int] = [:]
                for (k, e) in p.frames.enumerated() { position[e.frameIndex] = k }
                let size = g.width > 0 && g.height > 0 ? (width: g.width, height: g.height) : nil
                return { i in try position[i].map { try p.frame($0, png: png, expectedSize: size) } }
            }
        } else {
            guard FileSystem.exists(pred) else { throw VPSError.fileNotFound(path: pred) }
            guard gtVideos.count == 1 else {
                throw VPSError.invalidArgument("a prediction file can only be scored against one video; \(gt) has \(gtVideos.count)")
            }
            let records = try InstanceReader.read(pred)
            let frames = try InstanceFrames(records, frameCount: (gtVideos[0].frames.map(\.frameIndex).max() ?? -1) + 1)
            predFrames = [{ i in i < frames.count ? try frames.frame(i) : nil }]
        }
        for (g, p) in zip(gtVideos, predFrames) {
            try ev.addVideo(g, png: png, pred: p, images: options.flicker ? try frameSource(g, png: png) : nil)
        }
        return ev.report()
    }

    /// The RGB frames of a gt video for optical flow: `video.mp4` decoded in
    /// order (one decoder, frame k = k-th decoded frame) when present, else
    /// `frames/NNNNNN.png`; nil when neither exists.
    static func frameSource(_ g: PanopticVideo, png: PNGCodec) throws -> VideoFrames? {
        let mp4 = g.directory + "/video.mp4"
        if FileSystem.exists(mp4) {
            let decoder = try VideoDecoder(path: mp4)
            var next = 0
            var current: RGBImage?
            return { i in
                while next <= i {
                    guard let f = try decoder.nextFrame() else { return nil }
                    current = f.image
                    next += 1
                }
                return next == i + 1 ? current : nil
            }
        }
        let dir = g.directory + "/frames/"
        guard FileSystem.isDirectory(dir) else { return nil }
        return { i in
            let path = dir + pad6(i) + ".png"
            return FileSystem.exists(path) ? try png.read(path) : nil
        }
    }
}
