#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VPSCore

/// The panoptic PNG encoding (COCO panoptic / Cityscapes-VPS):
/// segment id = R + 256·G + 256²·B, 0 = void.
public enum PanopticPNG {
    /// The largest segment id the encoding holds: 2²⁴ − 1.
    public static let maxSegmentId = (1 << 24) - 1

    /// Encodes an id map as an RGB image (ids must be 0…2²⁴−1).
    public static func encode(_ frame: PanopticFrame) -> RGBImage {
        var px = [UInt8](repeating: 0, count: frame.width * frame.height * 3)
        for (i, v) in frame.ids.enumerated() where v != 0 {
            let u = UInt32(bitPattern: v)
            px[3 * i] = UInt8(u & 0xff)
            px[3 * i + 1] = UInt8((u >> 8) & 0xff)
            px[3 * i + 2] = UInt8((u >> 16) & 0xff)
        }
        return RGBImage(width: frame.width, height: frame.height, pixels: px)
    }

    /// Decodes an RGB image to a row-major id map.
    public static func decode(_ image: RGBImage) -> [Int32] {
        var ids = [Int32](repeating: 0, count: image.width * image.height)
        image.pixels.withUnsafeBufferPointer { p in
            for i in ids.indices {
                ids[i] = Int32(p[3 * i]) | Int32(p[3 * i + 1]) << 8 | Int32(p[3 * i + 2]) << 16
            }
        }
        return ids
    }
}

/// Writes one video as a panoptic directory, the dataset layout that
/// `vps synth` writes and `vps eval` reads. It is COCO panoptic (the JSON
/// names its PNGs inside the folder named after it), one video per directory:
///
/// ```
/// DIR/panoptic.json           COCO panoptic JSON of the video's frames
/// DIR/panoptic/000000.png     id = R + 256·G + 256²·B per pixel, one per frame
/// ```
///
/// `panoptic.json` holds:
/// - `images`: one per frame, `{"id", "file_name", "width", "height",
///   "frame_index"}`, with `id` = frame index + 1 (as in the COCO instances
///   export) and `file_name` the frame's `%06d.png` (under `frames/` where
///   `vps synth` writes the RGB frames);
/// - `annotations`: one per frame, `{"image_id", "file_name", "frame_index",
///   "segments_info": [{"id", "category_id", "area", "bbox", "iscrowd",
///   "track_id", "score"}]}`, `file_name` being the PNG's name in `panoptic/`;
///   a segment with no pixels in the frame is left out;
/// - `categories`: `{"id", "name", "isthing", "color"}`, every category the
///   label set has plus any other category a segment uses (as `class<id>`);
/// - `width` and `height` of the video (as older vps files, which `vps eval`
///   still reads, had them, with `file_name` relative to DIR and no `images`).
///
/// Everything is written under `DIR.partial-<pid>` and renamed onto DIR by
/// `finish()`; DIR must not exist or be an empty directory. Other files a
/// caller puts into `stagingDirectory` (frames, video) move with it.
public final class PanopticWriter: ResultWriter {
    public let directory: String
    /// Where files go until `finish()`; callers may add their own files here.
    public let stagingDirectory: String
    let categories: [Category]
    let png: PNGCodec
    let json: AtomicFile
    var count = 0
    var size: (Int, Int) = (0, 0)
    /// The `images` entries, written by `finish()`.
    var images: [String] = []
    /// Category ids in `categories` or `extraCategories`.
    var declared: Set<Int>
    /// Categories segments used that the label set lacks.
    var extraCategories: [Category] = []
    var finished = false

    public init(directory: String, categories: [Category], png: PNGCodec) throws {
        var dir = directory
        while dir.count > 1 && dir.hasSuffix("/") { dir.removeLast() }
        self.directory = dir
        self.categories = categories
        declared = Set(categories.map(\.id))
        self.png = png
        if FileSystem.exists(dir) {
            guard FileSystem.isDirectory(dir), try FileSystem.list(dir).isEmpty else {
                throw VPSError.outputNotWritable(path: dir, reason: "already exists and is not an empty directory")
            }
        }
        let parent = AtomicFile.parentDirectory(of: dir)
        guard FileSystem.isDirectory(parent) else { throw VPSError.outputDirectoryMissing(path: parent) }
        stagingDirectory = dir + ".partial-\(getpid())"
        FileSystem.removeTree(stagingDirectory)
        if let e = TemporaryFiles.shared.create(stagingDirectory, directory: true) {
            throw VPSError.outputNotWritable(path: dir, reason: String(cString: strerror(e)))
        }
        // mkdir, not makeDirectory: after an abort swept the staging folder,
        // re-creating its parents would leave it behind.
        guard mkdir(stagingDirectory + "/panoptic", 0o755) == 0 else {
            throw VPSError.outputNotWritable(path: dir, reason: String(cString: strerror(errno)))
        }
        json = try AtomicFile(path: stagingDirectory + "/panoptic.json")
        try json.write("{\"annotations\":[")
    }

    deinit {
        TemporaryFiles.shared.unregister(stagingDirectory)
        if !finished { json.abandon(); FileSystem.removeTree(stagingDirectory) }
    }

    public func write(_ frame: PanopticFrame) throws {
        size = (frame.width, frame.height)
        let name = "\(pad6(frame.index)).png"
        try png.write(PanopticPNG.encode(frame), stagingDirectory + "/panoptic/" + name)
        var f = frame
        if f.segments.contains(where: { $0.area == 0 }) { f.refreshGeometry() }
        // COCO panoptic lists exactly the segments the PNG holds.
        f.segments.removeAll { $0.area == 0 }
        for s in f.segments where !declared.contains(s.categoryId) {
            declared.insert(s.categoryId)
            extraCategories.append(Category(id: s.categoryId, name: "class\(s.categoryId)", isThing: s.instance != 0))
        }
        try json.write((count == 0 ? "\n" : ",\n") + PanopticWriter.annotation(f, fileName: name))
        images.append("{\"id\":\(frame.index + 1),\"file_name\":\(JSONText.string(name)),\"width\":\(frame.width),\"height\":\(frame.height),\"frame_index\":\(frame.index)}")
        count += 1
    }

    static func annotation(_ f: PanopticFrame, fileName: String) -> String {
        let segs = f.segments.map { s in
            "{\"id\":\(s.id),\"category_id\":\(s.categoryId),\"area\":\(s.area),\"bbox\":\(JSONText.intArray(s.bbox)),\"iscrowd\":\(s.isCrowd ? 1 : 0),\"track_id\":\(s.trackId),\"score\":\(JSONText.number(s.score))}"
        }
        let propagated = f.propagated ? ",\"propagated\":true" : ""
        return "{\"image_id\":\(f.index + 1),\"file_name\":\(JSONText.string(fileName)),\"frame_index\":\(f.index)\(propagated),\"segments_info\":[\(segs.joined(separator: ","))]}"
    }

    public func finish() throws {
        guard !finished else { return }
        try json.write("\n],\"images\":[" + images.joined(separator: ",\n"))
        try json.write("],\"categories\":\(JSONText.categories(categories + extraCategories, colors: true)),\"width\":\(size.0),\"height\":\(size.1)}\n")
        try json.commit()
        try TemporaryFiles.shared.commit(stagingDirectory) {
            if FileSystem.isDirectory(directory) { rmdir(directory) }
            guard rename(stagingDirectory, directory) == 0 else {
                throw VPSError.outputNotWritable(path: directory, reason: String(cString: strerror(errno)))
            }
        }
        finished = true
    }
}
