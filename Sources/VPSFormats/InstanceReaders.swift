import Foundation
import VPSCore

/// One instance mask of one frame, as read from an instance export.
public struct InstanceRecord: Equatable, Sendable {
    /// Frame index from 0.
    public var frame: Int
    public var trackId: Int
    public var categoryId: Int
    public var score: Double
    public var mask: RLE
}

/// One MOTChallenge box row (frames and ids from 1 in the file; `frame` here from 0).
public struct MOTBox: Equatable, Sendable {
    public var frame: Int
    public var trackId: Int
    /// x, y, width, height in pixels (floating point as in the file).
    public var box: [Double]
    public var confidence: Double
}

/// Readers for the instance exports, so that `vps eval` can score predictions
/// made by other tools.
public enum InstanceReader {
    /// COCO instances JSON: a results list, or a dataset object with
    /// `annotations` (+ `images` to map `image_id` to frames). Frames are
    /// `frame_index` of the image when present, else `image_id - 1`.
    /// `track_id` is required for tracking; without it each entry is its own track.
    public static func readCOCO(_ path: String) throws -> [InstanceRecord] {
        let any = try json(path)
        var anns: [[String: Any]]
        var frameOf: [Int: Int] = [:]
        if let list = any as? [[String: Any]] {
            anns = list
        } else if let root = any as? [String: Any], let a = root["annotations"] as? [[String: Any]] {
            anns = a
            for img in root["images"] as? [[String: Any]] ?? [] {
                if let id = JSONValues.int(img["id"]), let f = JSONValues.int(img["frame_index"]) { frameOf[id] = f }
            }
        } else {
            throw VPSError.unreadableInput(path: path, reason: "expected a list of results or an object with \"annotations\"")
        }
        var out: [InstanceRecord] = []
        for (k, a) in anns.enumerated() {
            guard let image = JSONValues.int(a["image_id"]), let cat = JSONValues.int(a["category_id"]),
                  let rle = try JSONValues.rle(a["segmentation"], path) else {
                throw VPSError.unreadableInput(path: path, reason: "annotation \(k) lacks image_id, category_id or an RLE segmentation")
            }
            out.append(InstanceRecord(frame: frameOf[image] ?? image - 1, trackId: JSONValues.int(a["track_id"]) ?? -(k + 1),
                                      categoryId: cat, score: JSONValues.double(a["score"]) ?? 1, mask: rle))
        }
        return out
    }

    /// YouTube-VIS results: a list of tracks with per-frame RLE or null. Track
    /// ids are `track_id` when present, else the entry's position from 1.
    /// Only entries of `videoId` are read (nil: all, e.g. a single-video file).
    public static func readYouTubeVIS(_ path: String, videoId: Int? = nil) throws -> [InstanceRecord] {
        guard let list = try json(path) as? [[String: Any]] else {
            throw VPSError.unreadableInput(path: path, reason: "expected a list of tracks")
        }
        var out: [InstanceRecord] = []
        for (k, t) in list.enumerated() {
            if let v = videoId, JSONValues.int(t["video_id"]) != v { continue }
            guard let cat = JSONValues.int(t["category_id"]), let segs = t["segmentations"] as? [Any] else {
                throw VPSError.unreadableInput(path: path, reason: "track \(k) lacks category_id or segmentations")
            }
            let tid = JSONValues.int(t["track_id"]) ?? k + 1
            let score = JSONValues.double(t["score"]) ?? 1
            for (f, s) in segs.enumerated() {
                if let r = try JSONValues.rle(s, path), r.area > 0 {
                    out.append(InstanceRecord(frame: f, trackId: tid, categoryId: cat, score: score, mask: r))
                }
            }
        }
        return out
    }

    /// MOTS text: `time_frame id class_id img_height img_width rle` per line.
    /// `frameBase` is the number of the first frame (1: MOTSChallenge, 0: KITTI MOTS).
    /// Class 10 (ignore regions in MOTS) is skipped.
    public static func readMOTS(_ path: String, frameBase: Int = 1) throws -> [InstanceRecord] {
        let text = String(decoding: try FileSystem.read(path), as: UTF8.self)
        var out: [InstanceRecord] = []
        for (n, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let p = line.split(separator: " ")
            guard p.count == 6, let t = Int(p[0]), let id = Int(p[1]), let c = Int(p[2]),
                  let h = Int(p[3]), let w = Int(p[4]) else {
                throw VPSError.unreadableInput(path: path, reason: "line \(n + 1): expected 'time_frame id class_id img_height img_width rle'")
            }
            if c == 10 { continue }
            out.append(InstanceRecord(frame: t - frameBase, trackId: id, categoryId: c, score: 1,
                                      mask: try RLE(string: String(p[5]), height: h, width: w)))
        }
        return out
    }

    /// MOTChallenge text: `frame,id,bb_left,bb_top,bb_width,bb_height,conf,…`.
    public static func readMOT(_ path: String) throws -> [MOTBox] {
        let text = String(decoding: try FileSystem.read(path), as: UTF8.self)
        var out: [MOTBox] = []
        for (n, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let p = line.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard p.count >= 7, !p[0..<7].contains(where: { $0 == nil }) else {
                throw VPSError.unreadableInput(path: path, reason: "line \(n + 1): expected 'frame,id,bb_left,bb_top,bb_width,bb_height,conf,...'")
            }
            out.append(MOTBox(frame: Int(p[0]!) - 1, trackId: Int(p[1]!), box: [p[2]!, p[3]!, p[4]!, p[5]!], confidence: p[6]!))
        }
        return out
    }

    /// Paints instance masks into panoptic frames (things only; pixels no
    /// instance covers are void). Overlaps go to the higher score. Panoptic ids
    /// are `category·1000 + instance`: a track id already of that form for its
    /// category is kept, other tracks get the next free instance number of
    /// their category. `trackId` keeps the original track id.
    public static func panopticFrames(_ records: [InstanceRecord], frameCount: Int? = nil) throws -> [PanopticFrame] {
        guard let first = records.first else { return [] }
        let (h, w) = (first.mask.height, first.mask.width)
        let n = max(frameCount ?? 0, (records.map(\.frame).max() ?? -1) + 1)
        struct TrackKey: Hashable { var track: Int; var category: Int }
        var idOf: [TrackKey: Int] = [:]
        var used: Set<Int> = []
        var nextInstance: [Int: Int] = [:]
        for r in records where r.trackId / 1000 == r.categoryId && r.trackId % 1000 != 0 { used.insert(r.trackId) }
        func panopticId(_ r: InstanceRecord) throws -> Int {
            let key = TrackKey(track: r.trackId, category: r.categoryId)
            if let id = idOf[key] { return id }
            var id: Int
            if r.trackId / 1000 == r.categoryId && r.trackId % 1000 != 0 {
                id = r.trackId
            } else {
                var k = nextInstance[r.categoryId, default: 1]
                while used.contains(r.categoryId * 1000 + k) { k += 1 }
                guard k < 1000 else {
                    throw VPSError.unreadableInput(path: "instances", reason: "more than 999 tracks of category \(r.categoryId)")
                }
                nextInstance[r.categoryId] = k + 1
                id = r.categoryId * 1000 + k
                used.insert(id)
            }
            idOf[key] = id
            return id
        }
        var byFrame = [[InstanceRecord]](repeating: [], count: n)
        for r in records {
            guard r.frame >= 0 else { throw VPSError.unreadableInput(path: "instances", reason: "negative frame number") }
            guard r.mask.height == h, r.mask.width == w else {
                throw VPSError.unreadableInput(path: "instances", reason: "masks of different sizes (\(r.mask.width)x\(r.mask.height) vs \(w)x\(h))")
            }
            byFrame[r.frame].append(r)
        }
        var frames: [PanopticFrame] = []
        for t in 0..<n {
            var ids = [Int32](repeating: 0, count: w * h)
            var segs: [Segment] = []
            for r in byFrame[t].sorted(by: { $0.score < $1.score }) {
                let id = try panopticId(r)
                let m = r.mask.rowMajorMask()
                for i in m.indices where m[i] != 0 { ids[i] = Int32(id) }
                segs.removeAll { $0.id == id }
                segs.append(Segment(id: id, categoryId: r.categoryId, trackId: r.trackId, score: r.score))
            }
            var f = PanopticFrame(index: t, width: w, height: h, ids: ids, segments: segs)
            f.refreshGeometry()
            f.segments.removeAll { $0.area == 0 }
            frames.append(f)
        }
        return frames
    }

    static func json(_ path: String) throws -> Any {
        do {
            return try JSONSerialization.jsonObject(with: Data(try FileSystem.read(path)))
        } catch let e as VPSError { throw e } catch {
            throw VPSError.unreadableInput(path: path, reason: "invalid JSON: \(error.localizedDescription)")
        }
    }
}
