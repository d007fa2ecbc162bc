import VPSCore
import VPSFormats
import VPSPanoptic
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
        let result = try packet.require(PanopticKey.self)
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
public enum ExportStage {
    /// What an export writes.
    public enum Input: String, CaseIterable, Sendable {
        /// The fused, tracked panoptic result.
        case panoptic
        /// The detector's raw instances (COCO only).
        case detections
    }

    /// The `export` stage's settings.
    public struct Settings: SettingsDecodable, Equatable {
        /// The output file or directory; required.
        public var path = ""
        /// `ExportFormat`'s argument name (youtube-vis, coco, mots, mot, panoptic).
        public var format = "coco"
        public var input = Input.panoptic

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable { case path, format, input }
        public static let settingsOwner = "export"

        public init(from decoder: Decoder) throws {
            self = try Self.decoded(from: decoder) { c, s in
                try c.decode(.path, into: &s.path)
                try c.decode(.format, into: &s.format)
                var input = s.input.rawValue
                try c.decode(.input, into: &input)
                guard let i = Input(rawValue: input) else {
                    throw VPSError.invalidPipeline("export input '\(input)' is unknown; valid: panoptic, detections")
                }
                s.input = i
            }
        }

        public func validate() throws {
            guard !path.isEmpty else { throw VPSError.invalidPipeline("export needs a path (--export FILE)") }
        }
    }

    static let definition = StageDefinition(
        name: "export", summary: "write results (input panoptic: youtube-vis|coco|mots|mot|panoptic; input detections: coco)",
        settings: Settings.self,
        builder: .stage { settings, _ in
            let s = try settings.decode(Settings.self)
            switch s.input {
            case .panoptic: return try PanopticExportStage(path: s.path, format: try ExportFormat(argument: s.format))
            case .detections: return try InstanceExportStage(path: s.path, format: s.format)
            }
        })
}
