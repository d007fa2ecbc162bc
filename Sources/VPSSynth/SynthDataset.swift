import Foundation
import VPSCore
import VPSFormats
import VPSVideo

/// Settings of `vps synth`.
public struct SynthOptions: Sendable {
    public var videos = 2
    public var frames = 30
    public var seed: UInt64 = 0
    public var width = 512
    public var height = 384
    /// Frames per second of the MP4s.
    public var frameRate = Rational(10, 1)
    /// Write the MP4 of each video (PNG frames are always written).
    public var writeVideo = true
    public var difficulty = SynthDifficulty.normal

    public init(videos: Int = 2, frames: Int = 30, seed: UInt64 = 0, width: Int = 512, height: Int = 384) {
        self.videos = videos
        self.frames = frames
        self.seed = seed
        self.width = width
        self.height = height
    }

    public func validate() throws {
        guard (1...999).contains(videos) else { throw VPSError.invalidArgument("--videos must be 1 to 999, got \(videos)") }
        guard (1...999_999).contains(frames) else { throw VPSError.invalidArgument("--frames must be 1 to 999999, got \(frames)") }
        guard width >= 16, height >= 16, width <= 4096, height <= 4096, width % 2 == 0, height % 2 == 0 else {
            throw VPSError.invalidArgument("--size must be even and at least 16x16 (H.264 needs even sizes) and at most 4096x4096, got \(width)x\(height)")
        }
    }

    /// The seed of video `k`: different videos differ, and video k is the same for any --videos.
    public func videoSeed(_ k: Int) -> UInt64 { seed &* 1_000_003 &+ UInt64(k) &+ 0x5EED }
}

/// Writes a synthetic dataset directory:
///
/// ```
/// OUT/train.json                 COCO instances (things), all videos; image file_name relative to OUT
/// OUT/video_000/video.mp4        H.264 of the frames
/// OUT/video_000/frames/000000.png   lossless RGB frames
/// OUT/video_000/panoptic/000000.png panoptic ground truth (id = R + 256·G + 256²·B)
/// OUT/video_000/panoptic.json    segments_info per frame + categories (see `PanopticWriter`)
/// ```
/// Each video directory is complete or absent: it is built under a temporary
/// name and renamed when done.
public enum SynthDataset {
    public static func write(to dir: String, options: SynthOptions, progress: ((Int, Int) -> Void)? = nil) throws {
        try options.validate()
        if FileSystem.exists(dir) && !FileSystem.isDirectory(dir) {
            throw VPSError.outputNotWritable(path: dir, reason: "exists and is not a directory")
        }
        let parent = AtomicFile.parentDirectory(of: dir)
        guard FileSystem.isDirectory(parent) else { throw VPSError.outputDirectoryMissing(path: parent) }
        try FileSystem.makeDirectory(dir)
        let png = ImageFile.pngCodec
        let train = try TrainingJSONWriter(path: dir + "/train.json", categories: SynthLabels.categories)
        for k in 0..<options.videos {
            let name = String(format: "video_%03d", k)
            let scene = SyntheticScene(width: options.width, height: options.height, frames: options.frames, seed: options.videoSeed(k),
                                       difficulty: options.difficulty)
            let writer = try PanopticWriter(directory: dir + "/" + name, categories: SynthLabels.categories, png: png)
            try FileSystem.makeDirectory(writer.stagingDirectory + "/frames")
            let encoder = options.writeVideo
                ? try VideoEncoder(path: writer.stagingDirectory + "/video.mp4", width: options.width, height: options.height,
                                   frameRate: options.frameRate)
                : nil
            // Frames are rendered and their PNGs written in small concurrent batches;
            // the encoder and the JSON writers then take them in order.
            let batch = 8
            for first in stride(from: 0, to: options.frames, by: batch) {
                let n = min(batch, options.frames - first)
                let results = ConcurrentResults<(RGBImage, PanopticFrame)>(count: n)
                DispatchQueue.concurrentPerform(iterations: n) { j in
                    let t = first + j
                    results.set(j, Result {
                        let r = scene.render(t)
                        try ImageFile.writePNG(r.image, to: writer.stagingDirectory + "/frames/" + pad6(t) + ".png")
                        return r
                    })
                }
                for j in 0..<n {
                    let t = first + j
                    let (image, truth) = try results.get(j)
                    try encoder?.write(image)
                    try writer.write(truth)
                    try train.add(truth, video: k, fileName: "\(name)/frames/\(pad6(t)).png")
                    progress?(k, t)
                }
            }
            _ = try encoder?.finish()
            try writer.finish()
        }
        try train.finish()
    }
}

/// COCO-style instance training JSON over several videos, streamed: `images`
/// carry `video_id` (from 1) and `frame_index`, `annotations` the thing
/// instances (compressed RLE, `bbox` [x, y, w, h], `area`, `iscrowd` 0,
/// `track_id` = panoptic id), `categories` the full label set with `isthing`.
/// Stuff is in the panoptic PNGs.
final class TrainingJSONWriter {
    let out: AtomicFile
    let things: Set<Int>
    var images: [String] = []
    var nextAnn = 1

    init(path: String, categories: [Category]) throws {
        out = try AtomicFile(path: path)
        things = categories.thingIds
        try out.write("{\"categories\":\(JSONText.categories(categories)),\"annotations\":[")
        self.categories = categories
    }
    let categories: [Category]

    func add(_ f: PanopticFrame, video: Int, fileName: String) throws {
        let imageId = images.count + 1
        images.append("{\"id\":\(imageId),\"file_name\":\(JSONText.string(fileName)),\"width\":\(f.width),\"height\":\(f.height),\"video_id\":\(video + 1),\"frame_index\":\(f.index)}")
        let rles = f.rles()
        for s in f.segments where things.contains(s.categoryId) {
            guard let r = rles[s.id] else { continue }
            try out.write((nextAnn == 1 ? "\n" : ",\n") + "{\"id\":\(nextAnn),\"image_id\":\(imageId),\"category_id\":\(s.categoryId),\"segmentation\":\(JSONText.rle(r)),\"area\":\(s.area),\"bbox\":\(JSONText.intArray(s.bbox)),\"iscrowd\":0,\"track_id\":\(s.trackId)}")
            nextAnn += 1
        }
    }

    func finish() throws {
        try out.write("\n],\"images\":[\n" + images.joined(separator: ",\n") + "\n]}\n")
        try out.commit()
    }
}

/// Results of a concurrent batch, one slot per iteration.
final class ConcurrentResults<T>: @unchecked Sendable {
    private var slots: [Result<T, Error>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<T, Error>) { lock.lock(); slots[i] = r; lock.unlock() }
    func get(_ i: Int) throws -> T { try slots[i]!.get() }
}
