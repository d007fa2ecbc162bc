import VPSCore
import VPSFormats
import VPSPanoptic
import VPSPipeline

/// The `export` stage: streams the detections of every frame as COCO
/// instances JSON through VPSFormats' `COCOInstancesWriter` (the same file
/// layout as `vps annotate`/`vps convert --format coco`): one annotation per
/// (frame, instance) with `bbox` [x, y, width, height] in pixels,
/// `segmentation` as pycocotools' compressed RLE, `image_id` = source frame
/// index + 1, and `track_id` null because per-frame segmentation assigns no
/// tracks. Categories are the model's thing categories (`FrameDetections.categories`,
/// with the checkpoint's `categoryIds` mapping when it has one).
///
/// The file appears under its final name only when the run finishes.
public final class InstanceExportStage: Stage {
    public let name = "export"
    public let requires = [DetectionsKey.name]
    public let provides: [String] = []
    public let path: String
    private var writer: COCOInstancesWriter?

    public init(path: String, format: String) throws {
        guard format == "coco" else {
            throw VPSError.invalidArgument("--format \(format) is not supported by vps segment; valid: coco")
        }
        try AtomicOutput.validateDestination(path)
        self.path = path
    }

    public func process(_ packet: inout Packet) throws {
        let found = try packet.require(DetectionsKey.self)
        if writer == nil {
            writer = try COCOInstancesWriter(path: path, categories: found.categories.filter(\.isThing))
        }
        let records = found.detections.map { d in
            InstanceAnnotation(categoryId: d.category, score: d.score, trackId: nil,
                               bbox: [d.box.x1, d.box.y1, d.box.x2 - d.box.x1, d.box.y2 - d.box.y1], mask: d.mask?.rle)
        }
        try writer!.write(frameIndex: packet.frame.sourceIndex, width: packet.frame.image.width,
                          height: packet.frame.image.height, instances: records)
    }

    public func finish() throws { try writer?.finish() }

    /// Dropping the writer removes its temporary file.
    public func abort() { writer = nil }
}
