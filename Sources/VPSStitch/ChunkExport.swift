import Foundation
import VPSCore
import VPSFormats

/// One object in one frame of a chunk's export, with the chunk's own track id.
public struct ChunkInstance: Equatable, Sendable {
    /// The track id the chunk's run gave (meaningful within that chunk only).
    public var track: Int
    public var categoryId: Int
    public var score: Double
    /// The mask; nil for MOTChallenge exports, which hold boxes only.
    public var mask: RLE?
    /// `[x, y, width, height]` in pixels, top-left origin.
    public var box: [Double]

    public init(track: Int, categoryId: Int, score: Double, mask: RLE?, box: [Double]) {
        self.track = track; self.categoryId = categoryId; self.score = score; self.mask = mask; self.box = box
    }
}

/// One chunk's export of one format, opened for stitching: its instances by
/// source frame index. Instance formats (COCO, YouTube-VIS, MOTS, MOT) are
/// read whole (masks stay run-length encoded); a panoptic directory is read
/// frame by frame when a frame is asked for.
public final class ChunkExport {
    public let manifestPath: String
    public let manifest: ChunkManifest
    public let format: ExportFormat
    /// The export's path, usable from the current folder.
    public let path: String
    /// Categories the export declares (COCO and panoptic; empty otherwise).
    public private(set) var categories: [Category] = []
    private var byFrame: [Int: [ChunkInstance]] = [:]
    private var panoptic: PanopticVideo?
    private var panopticPosition: [Int: Int] = [:]
    private let png: PNGCodec

    /// Opens the export of `format` that `manifest` lists.
    public init(manifestPath: String, manifest: ChunkManifest, format: ExportFormat, png: PNGCodec) throws {
        self.manifestPath = manifestPath
        self.manifest = manifest
        self.format = format
        self.png = png
        guard let e = manifest.exports.first(where: { $0.format == format.rawValue }) else {
            throw StitchError.missingExport(manifest: manifestPath, format: format.rawValue)
        }
        path = ChunkManifest.resolved(e.path, manifestPath: manifestPath)
        guard FileSystem.exists(path) else { throw StitchError.badExport(path: path, reason: "no such file") }
        let frames = manifest.chunk.frames
        switch format {
        case .coco:
            add(try InstanceReader.readCOCO(path))
            categories = (try? Self.cocoCategories(path)) ?? []
        case .mots:
            add(try InstanceReader.readMOTS(path))
        case .youtubeVIS:
            add(try InstanceReader.readYouTubeVIS(path).map { r in
                var r = r
                r.frame += frames.first
                return r
            })
        case .mot:
            for b in try InstanceReader.readMOT(path) {
                byFrame[b.frame, default: []].append(ChunkInstance(track: b.trackId, categoryId: 1, score: b.confidence, mask: nil, box: b.box))
            }
        case .panoptic:
            let video = try PanopticVideo(directory: path)
            panoptic = video
            categories = video.categories
            for (k, f) in video.frames.enumerated() { panopticPosition[f.frameIndex] = k }
        }
        let seen = Array(byFrame.keys) + Array(panopticPosition.keys)
        if let outside = seen.first(where: { !frames.range.contains($0) }) {
            throw StitchError.badExport(path: path, reason: "has frame \(outside), outside the chunk's frames \(frames.first)–\(frames.last)")
        }
    }

    private func add(_ records: [InstanceRecord]) {
        for r in records {
            let b = r.mask.bbox
            byFrame[r.frame, default: []].append(ChunkInstance(
                track: r.trackId, categoryId: r.categoryId, score: r.score, mask: r.mask, box: b.map(Double.init)))
        }
    }

    static func cocoCategories(_ path: String) throws -> [Category] {
        guard let root = try JSONSerialization.jsonObject(with: Data(try FileSystem.read(path))) as? [String: Any],
              let cats = root["categories"] as? [[String: Any]] else { return [] }
        return cats.compactMap { c in
            guard let id = (c["id"] as? NSNumber)?.intValue else { return nil }
            return Category(id: id, name: c["name"] as? String ?? "class\(id)", isThing: true)
        }
    }

    /// The thing instances of source frame `frame` (none when the chunk has no such frame).
    public func instances(at frame: Int) throws -> [ChunkInstance] {
        guard panoptic != nil else { return byFrame[frame] ?? [] }
        guard let f = try panopticFrame(at: frame) else { return [] }
        let known = Set(categories.map(\.id)), things = categories.thingIds
        let rles = f.rles()
        return f.segments.compactMap { s in
            let isThing = known.contains(s.categoryId) ? things.contains(s.categoryId) : s.instance != 0
            guard isThing, !s.isCrowd, let m = rles[s.id] else { return nil }
            return ChunkInstance(track: s.trackId, categoryId: s.categoryId, score: s.score, mask: m, box: s.bbox.map(Double.init))
        }
    }

    /// The chunk's track ids of the things in source frame `frame` (crowd
    /// regions included), without reading masks: a panoptic export answers
    /// from its JSON alone.
    public func tracks(at frame: Int) throws -> Set<Int> {
        guard let video = panoptic else { return Set((byFrame[frame] ?? []).map(\.track)) }
        guard let k = panopticPosition[frame] else { return [] }
        let known = Set(categories.map(\.id)), things = categories.thingIds
        return Set(video.frames[k].segments.filter { s in
            known.contains(s.categoryId) ? things.contains(s.categoryId) : s.instance != 0
        }.map(\.trackId))
    }

    /// The panoptic frame of source frame `frame` (panoptic exports only; nil when absent).
    public func panopticFrame(at frame: Int) throws -> PanopticFrame? {
        guard let video = panoptic, let k = panopticPosition[frame] else { return nil }
        return try video.frame(k, png: png)
    }
}
