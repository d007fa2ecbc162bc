import Foundation
import VPSCore
import VPSDetection
import VPSPipeline

/// The `export` stage: writes the detections of every frame as COCO
/// instances JSON (one entry per frame and instance; `bbox` is
/// [x, y, width, height] in pixels; `segmentation` is pycocotools' compressed
/// RLE; `image_id` is the source frame index; `track_id` is null because
/// per-frame segmentation assigns no tracks).
///
/// The file is written under a temporary name and renamed when the run
/// finishes, so an aborted run leaves nothing under the final name.
/// (A small COCO writer of our own: issue 3's export types had not landed.)
public final class InstanceExportStage: Stage {
    public let name = "export"
    public let requires = [DetectionsKey.name]
    public let provides: [String] = []
    public let path: String
    private var entries: [Entry] = []

    struct RLEJSON: Encodable { var size: [Int]; var counts: String }
    struct Entry: Encodable {
        var image_id: Int
        var category_id: Int
        var category_name: String
        var score: Float
        var bbox: [Float]
        var segmentation: RLEJSON?
        var area: Int?
        var track_id: Int?

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(image_id, forKey: .image_id)
            try c.encode(category_id, forKey: .category_id)
            try c.encode(category_name, forKey: .category_name)
            try c.encode(score, forKey: .score)
            try c.encode(bbox, forKey: .bbox)
            try c.encodeIfPresent(segmentation, forKey: .segmentation)
            try c.encodeIfPresent(area, forKey: .area)
            try c.encode(track_id, forKey: .track_id) // explicit null
        }
        enum CodingKeys: String, CodingKey { case image_id, category_id, category_name, score, bbox, segmentation, area, track_id }
    }

    public init(path: String, format: String) throws {
        guard format == "coco" else {
            throw VPSError.invalidArgument("--format \(format) is not supported by vps segment; valid: coco")
        }
        try AtomicOutput.validateDestination(path)
        self.path = path
    }

    public func process(_ packet: inout Packet) throws {
        guard let found = packet[DetectionsKey.self] else { return }
        for d in found.detections {
            let rle = d.mask?.rle
            entries.append(Entry(
                image_id: packet.frame.sourceIndex, category_id: d.label,
                category_name: d.label < found.classNames.count ? found.classNames[d.label] : "class \(d.label)",
                score: d.score, bbox: [d.box.x1, d.box.y1, d.box.x2 - d.box.x1, d.box.y2 - d.box.y1],
                segmentation: rle.map { RLEJSON(size: [$0.height, $0.width], counts: $0.string) },
                area: rle?.area, track_id: nil))
        }
    }

    public func finish() throws {
        let out = try AtomicOutput(path: path)
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        do {
            try e.encode(entries).write(to: URL(fileURLWithPath: out.temporaryPath))
        } catch {
            out.discard()
            throw VPSError.outputNotWritable(path: path, reason: error.localizedDescription)
        }
        try out.commit()
    }

    static let definition = StageDefinition(
        name: "export", summary: "write detections as COCO instances JSON with RLE masks",
        keys: ["path", "format"],
        builder: .stage { settings, _ in
            let path = try settings.string("path", default: "")
            guard !path.isEmpty else { throw VPSError.invalidPipeline("export needs a path (--export FILE)") }
            return try InstanceExportStage(path: path, format: try settings.string("format", default: "coco"))
        })
}
