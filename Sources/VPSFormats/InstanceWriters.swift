#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VPSCore

/// Which segments of a frame are exported as instances: thing segments that
/// are not crowd regions. A category missing from the label set counts as a
/// thing when the segment has a nonzero instance number.
/// Area and box are filled in from the pixels where a segment lacks them.
func instanceSegments(_ frame: PanopticFrame, things: Set<Int>, known: Set<Int>) -> [Segment] {
    var f = frame
    if f.segments.contains(where: { $0.area == 0 }) { f.refreshGeometry() }
    return f.segments.filter { s in
        guard !s.isCrowd, s.area > 0 else { return false }
        return known.contains(s.categoryId) ? things.contains(s.categoryId) : s.instance != 0
    }
}

/// The exported instances of a frame with their masks (one pass over the map).
func instanceMasks(_ frame: PanopticFrame, things: Set<Int>, known: Set<Int>) -> [(segment: Segment, mask: RLE)] {
    let segs = instanceSegments(frame, things: things, known: known)
    guard !segs.isEmpty else { return [] }
    let rles = frame.rles()
    return segs.compactMap { s in rles[s.id].map { (s, $0) } }
}

/// One instance as COCO instances JSON records it. Instances may overlap
/// (unlike the segments of a `PanopticFrame`), as a detector's do.
public struct InstanceAnnotation: Sendable {
    public var categoryId: Int
    public var score: Double
    /// The track, or nil when no tracker ran (written as `null`).
    public var trackId: Int?
    /// [x, y, width, height] in pixels, top-left origin; may be fractional.
    public var bbox: [Double]
    /// The mask; nil when masks were not computed (no `segmentation`, area of the box).
    public var mask: RLE?
    /// Carried from an earlier frame by the motion map, not detected (written as `"propagated": true`).
    public var propagated = false

    public init(categoryId: Int, score: Double, trackId: Int?, bbox: [Double], mask: RLE?) {
        self.categoryId = categoryId
        self.score = score
        self.trackId = trackId
        self.bbox = bbox
        self.mask = mask
    }
}

/// COCO instances JSON with `track_id`, streamed.
///
/// The file is a full COCO dataset object, so that pycocotools' `COCO()`,
/// CVAT and Label Studio load it: `annotations` holds one entry per
/// (frame, instance) with `id`, `image_id` (frame index + 1), `category_id`,
/// `segmentation` (compressed RLE), `area`, `bbox` [x, y, w, h], `iscrowd`,
/// `score` and `track_id`; `images` lists the frames (`id` = frame index + 1,
/// `file_name` = `%06d.png` of the frame index); `categories` the things.
///
/// Every `category_id` the file uses is declared in `categories` (readers
/// such as Datumaro refuse the whole file otherwise): an annotation whose
/// category is not among the writer's things is declared at the end, under
/// its name from the label set when it is a stuff category there, else as
/// `class<id>`.
public final class COCOInstancesWriter: ResultWriter {
    let out: AtomicFile
    let categories: [Category]
    let things: Set<Int>, known: Set<Int>
    /// Categories written that are not among `things`, to be declared too.
    var undeclared: Set<Int> = []
    var nextId = 1
    var frames: [Int] = []
    var size: (Int, Int)?

    public init(path: String, categories: [Category]) throws {
        out = try AtomicFile(path: path)
        self.categories = categories
        things = categories.thingIds
        known = Set(categories.map(\.id))
        try out.write("{\"annotations\":[")
    }

    /// The `categories` list: the things, then any other category used.
    var declaredCategories: [Category] {
        categories.filter(\.isThing) + undeclared.sorted().map { id in
            var c = categories.first { $0.id == id } ?? Category(id: id, name: "class\(id)", isThing: true)
            c.isThing = true
            return c
        }
    }

    public func write(_ frame: PanopticFrame) throws {
        let records = instanceMasks(frame, things: things, known: known).map { s, r in
            var a = InstanceAnnotation(categoryId: s.categoryId, score: s.score, trackId: s.trackId, bbox: s.bbox.map(Double.init), mask: r)
            a.propagated = frame.propagated
            return a
        }
        try write(frameIndex: frame.index, width: frame.width, height: frame.height, instances: records)
    }

    /// Writes one frame's instances directly (for detectors, whose masks may overlap).
    public func write(frameIndex: Int, width: Int, height: Int, instances: [InstanceAnnotation]) throws {
        frames.append(frameIndex)
        size = (width, height)
        for r in instances {
            if !things.contains(r.categoryId) { undeclared.insert(r.categoryId) }
            let area = r.mask.map { Double($0.area) } ?? (r.bbox.count == 4 ? r.bbox[2] * r.bbox[3] : 0)
            var line = nextId == 1 ? "\n" : ",\n"
            line += "{\"id\":\(nextId),\"image_id\":\(frameIndex + 1),\"category_id\":\(r.categoryId),"
            if let m = r.mask { line += "\"segmentation\":\(JSONText.rle(m))," }
            line += "\"area\":\(JSONText.number(area)),\"bbox\":[\(r.bbox.map(JSONText.number).joined(separator: ","))],"
            line += "\"iscrowd\":0,\"score\":\(JSONText.number(r.score)),\"track_id\":\(r.trackId.map(String.init) ?? "null")"
            line += r.propagated ? ",\"propagated\":true}" : "}"
            try out.write(line)
            nextId += 1
        }
    }

    public func finish() throws {
        try out.write("\n],\"images\":[")
        let (w, h) = size ?? (0, 0)
        for (k, f) in frames.enumerated() {
            try out.write((k == 0 ? "\n" : ",\n") + "{\"id\":\(f + 1),\"file_name\":\"\(pad6(f)).png\",\"width\":\(w),\"height\":\(h),\"frame_index\":\(f)}")
        }
        try out.write("\n],\"categories\":\(JSONText.categories(declaredCategories))}\n")
        try out.commit()
    }
}

/// Zero-padded six-digit frame number, as in `000042`.
public func pad6(_ i: Int) -> String {
    let s = String(i)
    return s.count >= 6 ? s : String(repeating: "0", count: 6 - s.count) + s
}

/// YouTube-VIS results JSON: a list with one entry per track, `video_id`,
/// `category_id` (the track's most frequent category), `score` (mean over its
/// frames), `track_id`, and `segmentations`, one compressed RLE or `null` per frame.
///
/// Entries need every frame of a track, so frames are spooled to one scratch
/// file per track under `<path>.scratch-<pid>/` and assembled in `finish()`;
/// memory stays flat in the video's length.
public final class YouTubeVISWriter: ResultWriter {
    let path: String
    let scratch: String
    let videoId: Int
    let things: Set<Int>, known: Set<Int>
    var frameCount = 0
    var size: (Int, Int) = (0, 0)
    /// Per track: scratch file number, score sum, frame count, category votes.
    var tracks: [Int: (file: Int, scoreSum: Double, n: Int, votes: [Int: Int])] = [:]
    var order: [Int] = []
    var done = false

    public init(path: String, categories: [Category], videoId: Int = 1) throws {
        self.path = path
        self.videoId = videoId
        things = categories.thingIds
        known = Set(categories.map(\.id))
        let dir = AtomicFile.parentDirectory(of: path)
        guard FileSystem.isDirectory(dir) else { throw VPSError.outputDirectoryMissing(path: dir) }
        scratch = path + ".scratch-\(getpid())"
        FileSystem.removeTree(scratch)
        if let e = TemporaryFiles.shared.create(scratch, directory: true) {
            throw VPSError.outputNotWritable(path: path, reason: String(cString: strerror(e)))
        }
    }

    deinit {
        FileSystem.removeTree(scratch)
        TemporaryFiles.shared.unregister(scratch)
    }

    public func write(_ frame: PanopticFrame) throws {
        let t = frameCount
        frameCount += 1
        size = (frame.height, frame.width)
        for (s, r) in instanceMasks(frame, things: things, known: known) {
            var rec = tracks[s.trackId] ?? (file: tracks.count, scoreSum: 0, n: 0, votes: [:])
            if rec.n == 0 { order.append(s.trackId) }
            rec.scoreSum += s.score
            rec.n += 1
            rec.votes[s.categoryId, default: 0] += 1
            tracks[s.trackId] = rec
            try append(line: "\(t) \(r.string)\n", to: scratch + "/\(rec.file).txt")
        }
    }

    func append(line: String, to file: String) throws {
        guard let f = fopen(file, "ab") else {
            throw VPSError.outputNotWritable(path: file, reason: String(cString: strerror(errno)))
        }
        defer { fclose(f) }
        if fputs(line, f) < 0 { throw VPSError.outputNotWritable(path: file, reason: String(cString: strerror(errno))) }
    }

    public func finish() throws {
        guard !done else { return }
        done = true
        let out = try AtomicFile(path: path)
        try out.write("[")
        for (k, trackId) in order.enumerated() {
            let rec = tracks[trackId]!
            let category = rec.votes.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }!.key
            var entry = (k == 0 ? "\n" : ",\n")
            entry += "{\"video_id\":\(videoId),\"category_id\":\(category),\"score\":\(JSONText.number(rec.scoreSum / Double(rec.n))),\"track_id\":\(trackId),\"segmentations\":["
            try out.write(entry)
            var next = 0
            func emit(_ s: String) throws {
                try out.write((next == 0 ? "" : ",") + s)
                next += 1
            }
            // Line by line, so that a track as long as the video never sits in memory whole.
            try forEachLine(of: scratch + "/\(rec.file).txt") { line in
                let parts = line.split(separator: " ", maxSplits: 1)
                let t = Int(parts[0])!
                while next < t { try emit("null") }
                try emit("{\"size\":[\(size.0),\(size.1)],\"counts\":\(JSONText.string(String(parts[1])))}")
            }
            while next < frameCount { try emit("null") }
            try out.write("]}")
        }
        try out.write("\n]\n")
        try out.commit()
        FileSystem.removeTree(scratch)
    }

    /// Calls `body` with each line of a scratch file (without its newline).
    func forEachLine(of file: String, _ body: (Substring) throws -> Void) throws {
        guard let f = fopen(file, "rb") else {
            throw VPSError.outputNotWritable(path: file, reason: String(cString: strerror(errno)))
        }
        defer { fclose(f) }
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        while getline(&buffer, &capacity, f) >= 0, let buffer {
            let line = String(cString: buffer)
            try body(line.hasSuffix("\n") ? line.dropLast() : Substring(line))
        }
    }
}

/// MOTS text (MOTSChallenge / KITTI MOTS, as TrackEval reads it): one line per
/// (frame, instance), `time_frame id class_id img_height img_width rle`, with
/// `time_frame` counted from 1 (MOTSChallenge) and id = class_id·1000 + instance.
public final class MOTSWriter: ResultWriter {
    let out: AtomicFile
    let things: Set<Int>, known: Set<Int>
    /// First frame number written (1 for MOTSChallenge, 0 for KITTI MOTS).
    let frameBase: Int

    public init(path: String, categories: [Category], frameBase: Int = 1) throws {
        out = try AtomicFile(path: path)
        things = categories.thingIds
        known = Set(categories.map(\.id))
        self.frameBase = frameBase
    }

    public func write(_ frame: PanopticFrame) throws {
        for (s, r) in instanceMasks(frame, things: things, known: known) {
            try out.write("\(frame.index + frameBase) \(s.categoryId * 1000 + s.instance) \(s.categoryId) \(frame.height) \(frame.width) \(r.string)\n")
        }
    }

    public func finish() throws { try out.commit() }
}

/// MOTChallenge text: `frame,id,bb_left,bb_top,bb_width,bb_height,conf,-1,-1,-1`
/// per (frame, instance), frames counted from 1, id = the segment's track id
/// (≥ 1), box in pixels from the top-left corner.
public final class MOTWriter: ResultWriter {
    let out: AtomicFile
    let things: Set<Int>, known: Set<Int>

    public init(path: String, categories: [Category]) throws {
        out = try AtomicFile(path: path)
        things = categories.thingIds
        known = Set(categories.map(\.id))
    }

    public func write(_ frame: PanopticFrame) throws {
        for s in instanceSegments(frame, things: things, known: known) {
            let b = s.bbox
            try out.write("\(frame.index + 1),\(s.trackId),\(b[0]),\(b[1]),\(b[2]),\(b[3]),\(JSONText.number(s.score)),-1,-1,-1\n")
        }
    }

    public func finish() throws { try out.commit() }
}
