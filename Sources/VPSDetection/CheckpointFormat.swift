import Foundation
import VPSCheckpoint

/// A checkpoint file format: recognises its files, reads their tensors under
/// vps's parameter names (torchvision's), and says which config they carry
/// or imply.
///
/// A new format is one type conforming to this protocol, in a file of its
/// own beside its rename table, plus one line in `CheckpointFormats.known`.
public protocol CheckpointFormat {
    /// The format's name as `vps weights inspect` shows it.
    static var name: String { get }
    /// File extensions (lower case, without the dot) that name this format.
    /// Consulted only when the first bytes do not decide (see `CheckpointFormats.format(of:)`).
    static var fileExtensions: [String] { get }
    /// Whether the file's first bytes (up to `CheckpointFormats.headerBytes`
    /// of them; fewer for a shorter file) are this format's magic.
    static func recognises(header: [UInt8]) -> Bool
    /// The file's tensors renamed to vps's parameter names, with whatever
    /// string metadata the file carries.
    static func readWeights(path: String) throws -> StateDict
    /// The model config `weights` (read from `path`) carry or imply.
    static func config(of weights: StateDict, path: String) throws -> CheckpointConfig
}

/// Where a checkpoint's model config comes from.
public enum CheckpointConfig: Equatable, Sendable {
    /// The file stores it (a vps safetensors file's metadata).
    case carried(MaskRCNNConfig)
    /// The file stores none, but its kind says what it is (a torchvision
    /// `.pth` is `maskrcnn_resnet50_fpn`).
    case implied(MaskRCNNConfig)
    /// The file neither stores nor implies one.
    case none
}

/// A checkpoint read by its format: weights under vps's names and the config
/// they carry or imply.
public struct LoadedCheckpoint: Sendable {
    /// The `CheckpointFormat.name` of the format that read it.
    public var format: String
    public var weights: StateDict
    public var config: CheckpointConfig

    public init(format: String, weights: StateDict, config: CheckpointConfig) {
        self.format = format
        self.weights = weights
        self.config = config
    }
}

/// The checkpoint formats vps reads, and the one place that picks a file's format.
public enum CheckpointFormats {
    /// Every known format. The first is vps's own, read when nothing else fits.
    public static let known: [CheckpointFormat.Type] = [SafetensorsFormat.self, TorchvisionFormat.self, Detectron2Checkpoint.self]

    /// How many leading bytes `CheckpointFormat.recognises(header:)` is shown.
    public static let headerBytes = 16

    /// The format of the file at `path`: by its first bytes when exactly one
    /// format recognises them; among several (or none) by its extension;
    /// otherwise the first known format, whose reader then says what is wrong.
    public static func format(of path: String) -> CheckpointFormat.Type {
        let header = header(of: path)
        let byMagic = known.filter { $0.recognises(header: header) }
        if byMagic.count == 1 { return byMagic[0] }
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        let byExtension = (byMagic.isEmpty ? known : byMagic).filter { $0.fileExtensions.contains(ext) }
        return byExtension.first ?? byMagic.first ?? known[0]
    }

    /// Reads the checkpoint at `path` with its format (see `format(of:)`).
    public static func read(path: String) throws -> LoadedCheckpoint {
        let format = format(of: path)
        let weights = try format.readWeights(path: path)
        return LoadedCheckpoint(format: format.name, weights: weights, config: try format.config(of: weights, path: path))
    }

    /// Up to `headerBytes` leading bytes of the file (none if it cannot be read).
    static func header(of path: String) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        return [UInt8]((try? handle.read(upToCount: headerBytes)) ?? Data())
    }
}
