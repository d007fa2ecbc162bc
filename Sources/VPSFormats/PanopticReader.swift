import Foundation
import VPSCore

/// One video of a panoptic directory (see `PanopticWriter` for the layout),
/// opened lazily: the JSON is parsed up front, PNGs are read per frame.
public struct PanopticVideo: Sendable {
    /// One frame's entry of `panoptic.json`.
    public struct FrameEntry: Sendable, Equatable {
        public var frameIndex: Int
        /// PNG path relative to the video directory.
        public var fileName: String
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
        width = JSONValues.int(root["width"]) ?? 0
        height = JSONValues.int(root["height"]) ?? 0
        var entries: [FrameEntry] = []
        for (k, a) in anns.enumerated() {
            guard let file = a["file_name"] as? String else {
                throw VPSError.unreadableInput(path: path, reason: "annotation \(k) has no file_name")
            }
            let infos = a["segments_info"] as? [[String: Any]] ?? []
            var segs: [Segment] = []
            for s in infos {
                guard let id = JSONValues.int(s["id"]) else {
                    throw VPSError.unreadableInput(path: path, reason: "a segment of \(file) has no id")
                }
                let cat = JSONValues.int(s["category_id"]) ?? id / 1000
                let bbox = (s["bbox"] as? [Any])?.compactMap { JSONValues.int($0) } ?? [0, 0, 0, 0]
                segs.append(Segment(id: id, categoryId: cat, trackId: JSONValues.int(s["track_id"]) ?? id,
                                    score: JSONValues.double(s["score"]) ?? 1, area: JSONValues.int(s["area"]) ?? 0,
                                    bbox: bbox.count == 4 ? bbox : [0, 0, 0, 0],
                                    isCrowd: (JSONValues.int(s["iscrowd"]) ?? 0) != 0))
            }
            entries.append(FrameEntry(frameIndex: JSONValues.int(a["frame_index"]) ?? k, fileName: file, segments: segs))
        }
        frames = entries.sorted { $0.frameIndex < $1.frameIndex }
    }

    /// Reads frame `k` (position in `frames`). The id map comes from the PNG;
    /// segments come from the JSON with area and box recomputed from the pixels.
    /// Ids present in the PNG but missing from the JSON are an error, as in
    /// the reference evaluators.
    public func frame(_ k: Int, png: PNGCodec) throws -> PanopticFrame {
        let e = frames[k]
        let path = directory + "/" + e.fileName
        let img = try png.read(path)
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

/// Tolerant readers for JSON numbers (JSONSerialization yields NSNumber or Int/Double).
enum JSONValues {
    static func int(_ v: Any?) -> Int? {
        if let i = v as? Int { return i }
        if let d = v as? Double, d == d.rounded() { return Int(d) }
        if let n = v as? NSNumber { return n.intValue }
        return nil
    }

    static func double(_ v: Any?) -> Double? {
        if let d = v as? Double { return d }
        if let i = v as? Int { return Double(i) }
        if let n = v as? NSNumber { return n.doubleValue }
        return nil
    }

    static func category(_ c: [String: Any], _ path: String) throws -> Category {
        guard let id = int(c["id"]) else { throw VPSError.unreadableInput(path: path, reason: "a category has no id") }
        let thing: Bool
        if let b = c["isthing"] as? Bool { thing = b } else { thing = (int(c["isthing"]) ?? 1) != 0 }
        return Category(id: id, name: c["name"] as? String ?? "class\(id)", isThing: thing)
    }

    static func rle(_ v: Any?, _ path: String) throws -> RLE? {
        guard let o = v as? [String: Any] else { return nil }
        guard let size = o["size"] as? [Any], size.count == 2, let h = int(size[0]), let w = int(size[1]) else {
            throw VPSError.unreadableInput(path: path, reason: "an RLE has no valid size")
        }
        if let s = o["counts"] as? String { return try RLE(string: s, height: h, width: w) }
        if let a = o["counts"] as? [Any] {
            return RLE(height: h, width: w, counts: a.compactMap { int($0) }.map { UInt32($0) })
        }
        throw VPSError.unreadableInput(path: path, reason: "an RLE has no counts")
    }
}
