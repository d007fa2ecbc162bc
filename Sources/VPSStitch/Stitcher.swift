import VPSCore
import VPSFormats

/// What `Stitcher.run` did.
public struct StitchSummary: Sendable {
    /// Frames written.
    public var frames: Int
    /// Distinct track IDs in the stitched output.
    public var tracks: Int
    /// One entry per boundary between neighbouring chunks, in order.
    public var boundaries: [BoundaryLink]
}

/// Joins the exports of a `ChunkSet` in one format into one export for the
/// whole selection.
///
/// Each frame is taken from the one chunk whose core holds it, so overlap
/// frames are resolved once. Track IDs are renumbered from 1 in order of
/// first appearance (within a frame, by the chunk's own track id, so the
/// same for every format); a later chunk's track that `TrackLinker` links to an
/// earlier chunk's track takes that track's ID. Panoptic segment ids follow
/// the new IDs (`category·1000 + (id − 1) mod 999 + 1`, the next free
/// instance on a clash), as `vps annotate` numbers them.
public final class Stitcher {
    public let chunks: ChunkSet
    public let format: ExportFormat
    public let minScore: Double
    let png: PNGCodec
    private var exports: [ChunkExport] = []
    private var globalOf: [Int: [Int: Int]] = [:]  // chunk position → local track → ID
    private var nextId = 1

    public init(chunks: ChunkSet, format: ExportFormat, png: PNGCodec, minScore: Double = 0.5) {
        self.chunks = chunks
        self.format = format
        self.png = png
        self.minScore = minScore
    }

    /// Writes the stitched export to `output` (a directory for panoptic),
    /// under a temporary name that is renamed when it is complete.
    public func run(output: String) throws -> StitchSummary {
        exports = try zip(chunks.paths, chunks.manifests).map {
            try ChunkExport(manifestPath: $0, manifest: $1, format: format, png: png)
        }
        var boundaries: [BoundaryLink] = []
        for k in exports.indices.dropFirst() {
            let link = try TrackLinker.link(exports[k - 1], exports[k], minScore: minScore)
            for (later, earlier) in link.links.sorted(by: { $0.key < $1.key }) {
                globalOf[k, default: [:]][later] = id(chunk: k - 1, track: earlier)
            }
            boundaries.append(link)
        }
        if format == .mot {
            try writeMOT(output)
        } else {
            try writeFrames(output)
        }
        return StitchSummary(frames: chunks.selection.count, tracks: nextId - 1, boundaries: boundaries)
    }

    /// The stitched ID of `track` of chunk `chunk`, allocated on first use.
    func id(chunk: Int, track: Int) -> Int {
        if let g = globalOf[chunk]?[track] { return g }
        let g = nextId
        nextId += 1
        globalOf[chunk, default: [:]][track] = g
        return g
    }

    func writeMOT(_ output: String) throws {
        let out = try AtomicFile(path: output)
        for (k, e) in exports.enumerated() {
            for t in e.manifest.chunk.core.range {
                let instances = try e.instances(at: t)
                for track in Set(instances.map(\.track)).sorted() { _ = id(chunk: k, track: track) }
                for x in instances {
                    let b = x.box.map(JSONText.number).joined(separator: ",")
                    try out.write("\(t + 1),\(id(chunk: k, track: x.track)),\(b),\(JSONText.number(x.score)),-1,-1,-1\n")
                }
            }
        }
        try out.commit()
    }

    func writeFrames(_ output: String) throws {
        let categories = exports.first(where: { !$0.categories.isEmpty })?.categories ?? []
        let writer = try makeResultWriter(format: format, path: output, categories: categories, png: png)
        let (w, h) = (chunks.manifests[0].source.width, chunks.manifests[0].source.height)
        // IDs first, in frame order and within a frame by chunk-local track id (from the JSON or the
        // instance lists, no masks), so that frames can then be read ahead on another thread.
        var work: [(chunk: Int, frame: Int)] = []
        for (k, e) in exports.enumerated() {
            for t in e.manifest.chunk.core.range {
                for track in try e.tracks(at: t).sorted() { _ = id(chunk: k, track: track) }
                work.append((k, t))
            }
        }
        let frames = ReadAhead(count: work.count) { [self] i in
            let (k, t) = work[i]
            if format == .panoptic {
                var frame = try exports[k].panopticFrame(at: t)
                    ?? PanopticFrame(index: t, width: w, height: h, ids: [Int32](repeating: 0, count: w * h), segments: [])
                relabel(&frame, chunk: k, categories: categories)
                return frame
            }
            return try paint(try exports[k].instances(at: t), chunk: k, index: t, width: w, height: h)
        }
        for _ in work.indices { try writer.write(try frames.next()) }
        try writer.finish()
    }

    /// The stitched ID of a track `writeFrames` allocated already (safe to call from the read-ahead thread).
    func allocatedId(chunk: Int, track: Int) -> Int {
        guard let g = globalOf[chunk]?[track] else { preconditionFailure("track \(track) of chunk \(chunk) has no ID yet") }
        return g
    }

    /// Renumbers the thing segments of a chunk's panoptic frame with stitched IDs.
    func relabel(_ frame: inout PanopticFrame, chunk: Int, categories: [Category]) {
        let known = Set(categories.map(\.id)), things = categories.thingIds
        var used = Set(frame.segments.filter { $0.instance == 0 }.map(\.id))
        var newId: [Int32: Int32] = [:]
        for k in frame.segments.indices {
            let s = frame.segments[k]
            let isThing = known.contains(s.categoryId) ? things.contains(s.categoryId) : s.instance != 0
            guard isThing else { continue }
            let g = allocatedId(chunk: chunk, track: s.trackId)
            let sid = Self.segmentId(category: s.categoryId, track: g, used: used)
            used.insert(sid)
            newId[Int32(s.id)] = Int32(sid)
            frame.segments[k].id = sid
            frame.segments[k].trackId = g
        }
        guard !newId.isEmpty else { return }
        for i in frame.ids.indices { if let n = newId[frame.ids[i]] { frame.ids[i] = n } }
    }

    /// A things-only panoptic frame of a chunk's instances with stitched IDs;
    /// where masks overlap, the higher score wins.
    func paint(_ instances: [ChunkInstance], chunk: Int, index: Int, width: Int, height: Int) throws -> PanopticFrame {
        var ids = [Int32](repeating: 0, count: width * height)
        var segments: [Segment] = []
        var used = Set<Int>()
        for x in instances.sorted(by: { $0.score < $1.score }) {
            guard let mask = x.mask else { continue }
            guard mask.width == width, mask.height == height else {
                throw StitchError.badExport(path: exports[chunk].path,
                                            reason: "a mask of frame \(index) is \(mask.width)x\(mask.height), the video \(width)x\(height)")
            }
            let g = allocatedId(chunk: chunk, track: x.track)
            let sid = Self.segmentId(category: x.categoryId, track: g, used: used)
            used.insert(sid)
            let m = mask.rowMajorMask()
            for i in m.indices where m[i] != 0 { ids[i] = Int32(sid) }
            segments.append(Segment(id: sid, categoryId: x.categoryId, trackId: g, score: x.score))
        }
        var f = PanopticFrame(index: index, width: width, height: height, ids: ids, segments: segments)
        f.refreshGeometry()
        f.segments.removeAll { $0.area == 0 }
        return f
    }

    /// `category·1000 + (track − 1) mod 999 + 1`, or the next free instance
    /// number of the category when that id is taken in the frame.
    static func segmentId(category: Int, track: Int, used: Set<Int>) -> Int {
        var instance = (track - 1) % 999 + 1
        for _ in 0..<999 {
            if !used.contains(category * 1000 + instance) { break }
            instance = instance % 999 + 1
        }
        return category * 1000 + instance
    }
}
