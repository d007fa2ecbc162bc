import Foundation
import VPSCheckpoint

/// vps's own checkpoint format: safetensors with torchvision's parameter
/// names and the model config as JSON in the metadata (key
/// `ModelCheckpoint.configKey`).
///
/// Files converted from torchvision by `scripts/convert_torchvision.py` may
/// keep torchvision's older names, so the same upgrade as for a `.pth`
/// (`TorchvisionFormat.normalisedName`) applies.
public enum SafetensorsFormat: CheckpointFormat {
    public static let name = "safetensors"
    public static let fileExtensions = ["safetensors"]

    /// An 8-byte little-endian header length (at most
    /// `Safetensors.maxHeaderBytes`), then the JSON header's opening `{`.
    public static func recognises(header: [UInt8]) -> Bool {
        guard header.count >= 9 else { return false }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(header[i]) << (8 * UInt64(i)) }
        return n >= 2 && n <= UInt64(Safetensors.maxHeaderBytes) && header[8] == UInt8(ascii: "{")
    }

    public static func readWeights(path: String) throws -> StateDict {
        TorchvisionFormat.renamed(try Safetensors.read(path: path))
    }

    /// The config in the metadata; `.none` without one. A config that does
    /// not decode is `DetectionError.invalidConfig`.
    public static func config(of weights: StateDict, path: String) throws -> CheckpointConfig {
        guard let json = weights.metadata[ModelCheckpoint.configKey] else { return .none }
        do { return .carried(try MaskRCNNConfig.decode(json: json)) } catch {
            throw DetectionError.invalidConfig("the config in \(path) does not decode: \(error)")
        }
    }
}
