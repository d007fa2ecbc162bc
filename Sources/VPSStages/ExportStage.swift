import VPSCore
import VPSFormats
import VPSPipeline
import VPSVideo

/// An `export` stage of the annotation pipeline: streams each frame's
/// panoptic result through VPSFormats' writer for one format (YouTube-VIS,
/// COCO instances with `track_id`, MOTS, MOTChallenge, or the panoptic
/// PNG + JSON directory). A pipeline may hold any number of them.
///
/// The output appears under its final name only when the run finishes (or is
/// interrupted and drains cleanly); a failed run leaves nothing there.
public final class PanopticExportStage: Stage {
    public let name = "export"
    public let requires = [PanopticKey.name]
    public let provides: [String] = []
    public let path: String
    public let format: ExportFormat
    private var writer: ResultWriter?

    /// Checks that `path` can be written before the first frame.
    public init(path: String, format: ExportFormat) throws {
        self.path = path
        self.format = format
        if format == .panoptic {
            _ = try Self.makeWriter(format: format, path: path, categories: [])  // dropped: the staging folder goes
        } else {
            try AtomicOutput.validateDestination(path)
        }
    }

    static func makeWriter(format: ExportFormat, path: String, categories: [Category]) throws -> ResultWriter {
        let png = ImageFile.pngCodec
        return try makeResultWriter(format: format, path: path, categories: categories, png: png)
    }

    public func process(_ packet: inout Packet) throws {
        guard let result = packet[PanopticKey.self] else {
            throw VPSError.internalFailure("export: frame \(packet.frame.index) has no panoptic result")
        }
        if writer == nil { writer = try Self.makeWriter(format: format, path: path, categories: result.categories) }
        try writer!.write(result.frame)
    }

    public func finish() throws { try writer?.finish() }

    /// Dropping the writer removes its temporary output.
    public func abort() { writer = nil }
}

/// The `export` stage table entry. `input: panoptic` (the default; every
/// `--format`) exports the fused, tracked result; `input: detections` (COCO
/// only) exports the detector's raw instances, overlaps included, as
/// `vps segment` does.
enum ExportStage {
    static let definition = StageDefinition(
        name: "export", summary: "write results (input panoptic: youtube-vis|coco|mots|mot|panoptic; input detections: coco)",
        keys: ["path", "format", "input"],
        builder: .stage { settings, _ in
            let path = try settings.string("path", default: "")
            guard !path.isEmpty else { throw VPSError.invalidPipeline("export needs a path (--export FILE)") }
            let format = try settings.string("format", default: "coco")
            switch try settings.string("input", default: "panoptic") {
            case "panoptic": return try PanopticExportStage(path: path, format: try ExportFormat(argument: format))
            case "detections": return try InstanceExportStage(path: path, format: format)
            case let other: throw VPSError.invalidPipeline("export input '\(other)' is unknown; valid: panoptic, detections")
            }
        })
}
