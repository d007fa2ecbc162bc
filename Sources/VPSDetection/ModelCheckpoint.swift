import Foundation
import VPSCheckpoint

/// vps's checkpoints: the rules that give a checkpoint of any known format
/// (`CheckpointFormats`) its model config, and writing safetensors with the
/// config in the metadata.
public enum ModelCheckpoint {
    /// The safetensors metadata key holding `MaskRCNNConfig` as JSON.
    public static let configKey = "vps.config"

    /// The config and weights of a checkpoint. The config the file carries
    /// wins; else `fallback`; else the one its kind implies (a `.pth`: the
    /// COCO R50-FPN). A file with none of these is
    /// `DetectionError.missingConfig`, unless `configFile` is given: then
    /// it is laid over the COCO R50-FPN. `configFile` (`--model-config`) is
    /// laid over whichever config applies.
    public static func load(path: String, fallback: MaskRCNNConfig? = nil, configFile: String? = nil) throws -> (MaskRCNNConfig, StateDict) {
        let loaded = try CheckpointFormats.read(path: path)
        var config: MaskRCNNConfig
        if case .carried(let c) = loaded.config {
            config = c
        } else if let fallback {
            config = fallback
        } else if case .implied(let c) = loaded.config {
            config = c
        } else if configFile != nil {
            config = TorchvisionFormat.torchvisionConfig(for: loaded.weights)
        } else {
            throw DetectionError.missingConfig(path: path)
        }
        if let configFile { config = try config.merging(jsonFile: configFile) }
        return (config, loaded.weights)
    }

    /// Writes `dict` as safetensors with `config` in the metadata.
    public static func write(_ dict: StateDict, config: MaskRCNNConfig, to path: String) throws {
        var d = dict
        d.metadata[configKey] = try config.jsonString()
        try Safetensors.write(d, to: path)
    }
}
