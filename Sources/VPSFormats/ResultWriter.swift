import VPSCore

/// A streaming writer of per-frame results in one export format.
///
/// Call `write(_:)` once per frame in order, then `finish()`. Memory stays
/// flat in the number of frames. Output appears under its final name only
/// after `finish()` succeeds; a writer dropped earlier leaves nothing there.
public protocol ResultWriter: AnyObject {
    func write(_ frame: PanopticFrame) throws
    func finish() throws
}

/// The export formats of `--format`.
public enum ExportFormat: String, CaseIterable, Sendable {
    case youtubeVIS = "youtube-vis"
    case coco
    case mots
    case mot
    case panoptic

    /// Parses a `--format` value, with an error that lists the valid ones.
    public init(argument: String) throws {
        guard let f = ExportFormat(rawValue: argument.lowercased()) else {
            throw VPSError.invalidArgument(
                "unknown export format '\(argument)'; valid: \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = f
    }
}

/// Reads and writes 8-bit RGB PNG files; the commands pass the foundation's
/// FFmpeg-backed `ImageFile`, so that this module needs no codec of its own.
public struct PNGCodec: Sendable {
    public var read: @Sendable (String) throws -> RGBImage
    public var write: @Sendable (RGBImage, String) throws -> Void

    public init(read: @escaping @Sendable (String) throws -> RGBImage,
                write: @escaping @Sendable (RGBImage, String) throws -> Void) {
        self.read = read
        self.write = write
    }
}

/// Makes the writer for `format` at `path` (a file, or a directory for `.panoptic`).
public func makeResultWriter(format: ExportFormat, path: String, categories: [Category],
                             png: PNGCodec) throws -> ResultWriter {
    switch format {
    case .youtubeVIS: return try YouTubeVISWriter(path: path, categories: categories)
    case .coco: return try COCOInstancesWriter(path: path, categories: categories)
    case .mots: return try MOTSWriter(path: path, categories: categories)
    case .mot: return try MOTWriter(path: path, categories: categories)
    case .panoptic: return try PanopticWriter(directory: path, categories: categories, png: png)
    }
}

extension Array where Element == Category {
    /// The set of thing category ids.
    public var thingIds: Set<Int> { Set(filter(\.isThing).map(\.id)) }
}
