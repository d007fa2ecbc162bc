import Foundation
import VPSCore

/// One video of a panoptic directory (see `PanopticWriter` for the layout),
/// opened lazily: the JSON is parsed up front, PNGs are read per frame.
public struct PanopticVideo: Sendable {
    /// One frame's entry of `panoptic.json`.
    public struct FrameEntry: Sendable, Equatable {
        public var frameIndex: Int
        /// The annotation's `file_name`: the PNG's name inside the folder
        /// named after the JSON (`panoptic/`), or in files written before
        /// vps wrote COCO panoptic, its path relative to the video directory.
        public var fileName: String
        /// The PNG's path.
        public var path: String
        /// The size the JSON declares for the frame, if any; the PNG must have it.
        public var width: Int?, height: Int?
        public var segments: [Segment]
    }

    public let directory: String
    /// The directory's last path component.
    public let name: String
    public var categories: [Category]
    public var frames: [FrameEntry]
    public var width: Int
    public var height: Int

    /// Opens `directory/panoptic.json`.
    public init(directory: String) throws {
        var dir = directory
        while dir.count > 1 && dir.hasSuffix("/") { dir.removeLast() }
        self.directory = dir
        name = dir.split(separator: "/").last.map(String.init) ?? dir
        let path = dir + "/panoptic.json"
        guard FileSystem.exists(path) else {
            throw VPSError.unreadableInput(path: dir, reason: "not a panoptic directory (no panoptic.json)")
        }
        let any: Any
        do {
            any = try JSONSerialization.jsonObject(with: Data(try FileSystem.read(path)))
        } catch let e as VPSError { throw e } catch {
            throw VPSError.unreadableInput(path: path, reason: "invalid JSON: \(error.localizedDescription)")
        }
        guard let root = any as? [String: Any], let anns = root["annotations"] as? [[String: Any]] else {
            throw VPSError.unreadableInput(path: path, reason: "expected an object with an \"annotations\" list")
        }
        categories = try (root["categories"] as? [[String: Any]] ?? []).map { try JSONValues.category($0, path) }
        let side = 1...RLE.maxSide
        width = try JSONValues.int(root["width"], "\"width\"", path: path, in: side) ?? 0
        height = try JSONValues.int(root["height"], "\"height\"", path: path, in: side) ?? 0
        // COCO panoptic: `images` gives each image's size (and vps's frame_index).
        var images: [Int: (frameIndex: Int?, width: Int?, height: Int?)] = [:]
        for (k, img) in (root["images"] as? [[String: Any]] ?? []).enumerated() {
            guard let id = try JSONValues.int(img["id"], "\"id\" of image \(k)", path: path) else {
                throw VPSError.unreadableInput(path: path, reason: "image \(k) has no id")
            }
            images[id] = (try JSONValues.int(img["frame_index"], "\"frame_index\" of image \(id)", path: path, in: InstanceReader.frameRange),
                          try JSONValues.int(img["width"], "\"width\" of image \(id)", path: path, in: side),
                          try JSONValues.int(img["height"], "\"height\" of image \(id)", path: path, in: side))
        }
        let pngFolder = dir + "/panoptic"
        var entries: [FrameEntry] = []
        var seen: Set<Int> = []
        for (k, a) in anns.enumerated() {
            guard let file = a["file_name"] as? String else {
                throw VPSError.unreadableInput(path: path, reason: "annotation \(k) has no file_name")
            }
            let infos = a["segments_info"] as? [[String: Any]] ?? []
            var segs: [Segment] = []
            for s in infos {
                func int(_ key: String, in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
                    try JSONValues.int(s[key], "\"\(key)\" of a segment of \(file)", path: path, in: range)
                }
                guard let id = try int("id", in: 1...PanopticPNG.maxSegmentId) else {
                    throw VPSError.unreadableInput(path: path, reason: "a segment of \(file) has no id")
                }
                let cat = try int("category_id", in: 1...Category.maxId) ?? id / 1000
                var bbox = [0, 0, 0, 0]
                if let b = s["bbox"] as? [Any], b.count == 4 {
                    bbox = try b.map { try JSONValues.int($0, "\"bbox\" of segment \(id) of \(file)", path: path, in: 0...Int(Int32.max)) ?? 0 }
                }
                segs.append(Segment(id: id, categoryId: cat, trackId: try int("track_id") ?? id,
                                    score: try JSONValues.double(s["score"], "\"score\" of segment \(id) of \(file)", path: path) ?? 1,
                                    area: try int("area", in: 0...Int(Int32.max)) ?? 0, bbox: bbox,
                                    isCrowd: (try int("iscrowd", in: 0...1) ?? 0) != 0))
            }
            let image = try JSONValues.int(a["image_id"], "\"image_id\" of \(file)", path: path).flatMap { images[$0] }
            let frameIndex = try JSONValues.int(a["frame_index"], "\"frame_index\" of \(file)", path: path, in: InstanceReader.frameRange)
                ?? image?.frameIndex ?? k
            guard seen.insert(frameIndex).inserted else {
                throw VPSError.unreadableInput(path: path, reason: "frame \(frameIndex) is listed twice")
            }
            // COCO panoptic names the PNG inside the folder named after the JSON
            // (panoptic/); older vps files name it relative to the directory.
            let inFolder = pngFolder + "/" + file
            entries.append(FrameEntry(frameIndex: frameIndex, fileName: file,
                                      path: FileSystem.exists(inFolder) || root["images"] != nil ? inFolder : dir + "/" + file,
                                      width: image?.width ?? (width > 0 ? width : nil),
                                      height: image?.height ?? (height > 0 ? height : nil), segments: segs))
        }
        frames = entries.sorted { $0.frameIndex < $1.frameIndex }
    }

    /// Reads frame `k` (position in `frames`). The id map comes from the PNG;
    /// segments come from the JSON with area and box recomputed from the pixels.
    /// The PNG must have the size the JSON gives the frame, or without one
    /// `expectedSize` (e.g. the ground truth's). Ids present in the PNG but
    /// missing from the JSON are an error, as in the reference evaluators.
    public func frame(_ k: Int, png: PNGCodec, expectedSize: (width: Int, height: Int)? = nil) throws -> PanopticFrame {
        let e = frames[k]
        let path = e.path
        let img = try png.read(path)
        if let w = e.width, let h = e.height, (img.width, img.height) != (w, h) {
            throw VPSError.unreadableInput(path: path, reason: "the PNG is \(img.width)x\(img.height), but panoptic.json gives the frame as \(w)x\(h)")
        }
        if e.width == nil, let s = expectedSize, (img.width, img.height) != s {
            throw VPSError.unreadableInput(path: path, reason: "the PNG is \(img.width)x\(img.height), but the ground truth is \(s.width)x\(s.height)")
        }
        var f = PanopticFrame(index: e.frameIndex, width: img.width, height: img.height,
                              ids: PanopticPNG.decode(img), segments: e.segments)
        let geo = PanopticFrame.measure(ids: f.ids, width: f.width, height: f.height)
        let listed = Set(e.segments.map(\.id))
        if let missing = geo.keys.sorted().first(where: { !listed.contains($0) }) {
            throw VPSError.unreadableInput(path: path, reason: "segment id \(missing) is in the PNG but not in segments_info")
        }
        f.refreshGeometry()
        return f
    }
}

/// A dataset directory: either one video directory (it holds `panoptic.json`)
/// or a directory whose subdirectories are video directories, matched by name.
public enum PanopticDataset {
    public static func open(_ path: String) throws -> [PanopticVideo] {
        guard FileSystem.exists(path) else { throw VPSError.fileNotFound(path: path) }
        guard FileSystem.isDirectory(path) else {
            throw VPSError.unreadableInput(path: path, reason: "expected a directory")
        }
        if FileSystem.exists(path + "/panoptic.json") { return [try PanopticVideo(directory: path)] }
        let videos = try FileSystem.list(path).filter { FileSystem.exists(path + "/" + $0 + "/panoptic.json") }
        guard !videos.isEmpty else {
            throw VPSError.unreadableInput(path: path, reason: "no panoptic.json in it or in any subdirectory")
        }
        return try videos.map { try PanopticVideo(directory: path + "/" + $0) }
    }
}
