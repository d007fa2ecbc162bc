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
    /// Frame indices (from 0) any result file may use (instance exports and panoptic JSON).
    public static let frameRange = 0...10_000_000

    /// Reads an instance export, telling the format from its content: JSON
    /// with "segmentations" is YouTube-VIS, other JSON COCO, text MOTS.
    public static func read(_ path: String) throws -> [InstanceRecord] {
        let head = String(decoding: try FileSystem.read(path).prefix(4096), as: UTF8.self)
        guard let first = head.first(where: { !$0.isWhitespace }), first == "[" || first == "{" else {
            return try readMOTS(path)
        }
        if head.contains("\"segmentations\"") { return try readYouTubeVIS(path) }
        return try readCOCO(path)
    }

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
            for (k, img) in (root["images"] as? [[String: Any]] ?? []).enumerated() {
                if let id = try JSONValues.int(img["id"], "\"id\" of image \(k)", path: path),
                   let f = try JSONValues.int(img["frame_index"], "\"frame_index\" of image \(k)", path: path, in: Self.frameRange) {
                    frameOf[id] = f
                }
            }
        } else {
            throw VPSError.unreadableInput(path: path, reason: "expected a list of results or an object with \"annotations\"")
        }
        var out: [InstanceRecord] = []
        for (k, a) in anns.enumerated() {
            func int(_ key: String, in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
                try JSONValues.int(a[key], "\"\(key)\" of annotation \(k)", path: path, in: range)
            }
            guard let image = try int("image_id", in: Self.frameRange.lowerBound + 1...Self.frameRange.upperBound + 1),
                  let cat = try int("category_id", in: 1...Category.maxId),
                  let rle = try JSONValues.rle(a["segmentation"], path) else {
                throw VPSError.unreadableInput(path: path, reason: "annotation \(k) lacks image_id, category_id or an RLE segmentation")
            }
            out.append(InstanceRecord(frame: frameOf[image] ?? image - 1, trackId: try int("track_id") ?? -(k + 1), categoryId: cat,
                                      score: try JSONValues.double(a["score"], "\"score\" of annotation \(k)", path: path) ?? 1,
                                      mask: rle))
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
            func int(_ key: String, in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
                try JSONValues.int(t[key], "\"\(key)\" of track \(k)", path: path, in: range)
            }
            if let v = videoId, try int("video_id") != v { continue }
            guard let cat = try int("category_id", in: 1...Category.maxId), let segs = t["segmentations"] as? [Any] else {
                throw VPSError.unreadableInput(path: path, reason: "track \(k) lacks category_id or segmentations")
            }
            guard segs.count <= Self.frameRange.upperBound + 1 else {
                throw VPSError.unreadableInput(path: path, reason: "track \(k) has \(segs.count) frames, more than \(Self.frameRange.upperBound + 1)")
            }
            let tid = try int("track_id") ?? k + 1
            let score = try JSONValues.double(t["score"], "\"score\" of track \(k)", path: path) ?? 1
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
            guard (1...Category.maxId).contains(c) else {
                throw VPSError.unreadableInput(path: path, reason: "line \(n + 1): class_id \(c) is out of range 1…\(Category.maxId)")
            }
            guard t >= frameBase, Self.frameRange.contains(t - frameBase) else {
                throw VPSError.unreadableInput(path: path, reason: "line \(n + 1): time_frame \(t) is out of range \(frameBase)…\(Self.frameRange.upperBound + frameBase)")
            }
            let mask: RLE
            do { mask = try RLE(string: String(p[5]), height: h, width: w) } catch VPSError.unreadableInput(path: "RLE", let reason) {
                throw VPSError.unreadableInput(path: path, reason: "line \(n + 1): \(reason)")
            }
            out.append(InstanceRecord(frame: t - frameBase, trackId: id, categoryId: c, score: 1, mask: mask))
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
            guard let frame = Int(exactly: p[0]!), frame >= 1, Self.frameRange.contains(frame - 1), let id = Int(exactly: p[1]!),
                  p[2..<7].allSatisfy({ $0!.isFinite }) else {
                throw VPSError.unreadableInput(path: path, reason: "line \(n + 1): frame must be 1…\(Self.frameRange.upperBound + 1), id a whole number, box and conf finite")
            }
            out.append(MOTBox(frame: frame - 1, trackId: id, box: [p[2]!, p[3]!, p[4]!, p[5]!], confidence: p[6]!))
        }
        return out
    }

    /// Paints instance masks into panoptic frames (see `InstanceFrames`), all at once.
    public static func panopticFrames(_ records: [InstanceRecord], frameCount: Int? = nil) throws -> [PanopticFrame] {
        let frames = try InstanceFrames(records, frameCount: frameCount)
        return try (0..<frames.count).map { try frames.frame($0) }
    }

    static func json(_ path: String) throws -> Any {
        do {
            return try JSONSerialization.jsonObject(with: Data(try FileSystem.read(path)))
        } catch let e as VPSError { throw e } catch {
            throw VPSError.unreadableInput(path: path, reason: "invalid JSON: \(error.localizedDescription)")
        }
    }
}

/// Instance records painted into panoptic frames, one frame at a time (so
/// memory holds the records, not every frame's id map).
///
/// Things only; pixels no instance covers are void. Overlaps go to the
/// higher score. Panoptic ids are `category·1000 + instance`: a track id
/// already of that form for its category is kept, other tracks get the next
/// free instance number of their category, in order of first appearance.
/// `Segment.trackId` keeps the original track id.
public struct InstanceFrames: Sendable {
    /// Frames 0…count − 1: `frameCount`, or more when a record lies beyond it.
    public let count: Int
    public let width: Int, height: Int
    /// Per frame, its records in painting order (ascending score), each with its panoptic id.
    let byFrame: [Int: [(record: InstanceRecord, id: Int)]]

    /// Checks the records (frames ≥ 0, one mask size, at most 999 tracks per
    /// category) and assigns the panoptic ids.
    public init(_ records: [InstanceRecord], frameCount: Int? = nil) throws {
        let (h, w) = records.first.map { ($0.mask.height, $0.mask.width) } ?? (0, 0)
        height = h
        width = w
        var grouped: [Int: [InstanceRecord]] = [:]
        for r in records {
            guard r.frame >= 0 else { throw VPSError.unreadableInput(path: "instances", reason: "negative frame number") }
            guard r.mask.height == h, r.mask.width == w else {
                throw VPSError.unreadableInput(path: "instances", reason: "masks of different sizes (\(r.mask.width)x\(r.mask.height) vs \(w)x\(h))")
            }
            guard (1...Category.maxId).contains(r.categoryId) else {
                throw VPSError.unreadableInput(path: "instances", reason: "category_id \(r.categoryId) is out of range 1…\(Category.maxId)")
            }
            grouped[r.frame, default: []].append(r)
        }
        count = records.isEmpty ? 0 : max(frameCount ?? 0, (grouped.keys.max() ?? -1) + 1)
        struct TrackKey: Hashable { var track: Int; var category: Int }
        func keepsId(_ r: InstanceRecord) -> Bool { r.trackId / 1000 == r.categoryId && r.trackId % 1000 != 0 }
        var idOf: [TrackKey: Int] = [:]
        var used = Set(records.filter(keepsId).map(\.trackId))
        var nextInstance: [Int: Int] = [:]
        var painted: [Int: [(record: InstanceRecord, id: Int)]] = [:]
        for t in grouped.keys.sorted() {
            painted[t] = try grouped[t]!.sorted(by: { $0.score < $1.score }).map { r in
                let key = TrackKey(track: r.trackId, category: r.categoryId)
                if let id = idOf[key] { return (r, id) }
                var id = r.trackId
                if !keepsId(r) {
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
                return (r, id)
            }
        }
        byFrame = painted
    }

    /// Frame `t` (0…count − 1).
    public func frame(_ t: Int) throws -> PanopticFrame {
        var ids = [Int32](repeating: 0, count: width * height)
        var segs: [Segment] = []
        for (r, id) in byFrame[t] ?? [] {
            let m = r.mask.rowMajorMask()
            for i in m.indices where m[i] != 0 { ids[i] = Int32(id) }
            segs.removeAll { $0.id == id }
            segs.append(Segment(id: id, categoryId: r.categoryId, trackId: r.trackId, score: r.score))
        }
        var f = PanopticFrame(index: t, width: width, height: height, ids: ids, segments: segs)
        f.refreshGeometry()
        f.segments.removeAll { $0.area == 0 }
        return f
    }
}
