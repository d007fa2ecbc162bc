import Foundation
import VPSCheckpoint

/// Reading and writing model checkpoints: safetensors with the config in
/// the metadata (key `vps.config`), torchvision `.pth` state dicts, or
/// Detectron2 model-zoo `.pkl` files (`Detectron2Checkpoint`).
public enum ModelCheckpoint {
    /// The safetensors metadata key holding `MaskRCNNConfig` as JSON.
    public static let configKey = "vps.config"

    /// Reads a checkpoint by extension (`.safetensors`, `.pth`/`.pt`, or
    /// `.pkl`), normalising torchvision's older parameter names and
    /// converting Detectron2's.
    public static func readStateDict(path: String) throws -> StateDict {
        let lower = path.lowercased()
        var dict: StateDict
        if lower.hasSuffix(".pkl") {
            return try Detectron2Checkpoint.read(path: path).weights
        } else if lower.hasSuffix(".pth") || lower.hasSuffix(".pt") {
            dict = try TorchCheckpoint.read(path: path)
        } else {
            dict = try Safetensors.read(path: path)
        }
        dict.tensors = Dictionary(uniqueKeysWithValues: dict.tensors.map { (normalisedName($0.key), $0.value) })
        return dict
    }

    /// The config and weights of a checkpoint. A `.pth` carries no config:
    /// `fallback` is used, by default `torchvisionConfig(for:)`.
    /// `configFile` (`--model-config`) is laid over whichever config applies.
    public static func load(path: String, fallback: MaskRCNNConfig? = nil, configFile: String? = nil) throws -> (MaskRCNNConfig, StateDict) {
        if path.lowercased().hasSuffix(".pkl") {
            var (weights, config) = try Detectron2Checkpoint.read(path: path)
            if let configFile { config = try config.merging(jsonFile: configFile) }
            return (config, weights)
        }
        let dict = try readStateDict(path: path)
        var config: MaskRCNNConfig
        if let json = dict.metadata[configKey] {
            do { config = try MaskRCNNConfig.decode(json: json) } catch {
                throw DetectionError.invalidConfig("the config in \(path) does not decode: \(error)")
            }
        } else if let fallback {
            config = fallback
        } else if path.lowercased().hasSuffix(".safetensors") && configFile == nil {
            throw DetectionError.missingConfig(path: path)
        } else {
            config = torchvisionConfig(for: dict)
        }
        if let configFile { config = try config.merging(jsonFile: configFile) }
        return (config, dict)
    }

    /// The config of a torchvision `maskrcnn_resnet50_fpn` state dict: the COCO
    /// R50-FPN, with the batch-norm eps its layers had in torchvision.
    ///
    /// torchvision builds the backbone's batch norms as `FrozenBatchNorm2d`
    /// when it starts from trained weights (its COCO checkpoints; their
    /// builder sets eps 0 with `overwrite_eps`), and as `nn.BatchNorm2d`
    /// (eps 1e-5) when built with `weights=None, weights_backbone=None`.
    /// Only the latter saves `num_batches_tracked` buffers, so a state dict
    /// that has them is folded with eps 1e-5 and one without them with eps 0.
    /// (`overwrite_eps` changes `FrozenBatchNorm2d` layers only.)
    public static func torchvisionConfig(for dict: StateDict) -> MaskRCNNConfig {
        var config = MaskRCNNConfig.resnet50FPN()
        if dict.tensors.keys.contains(where: { $0.hasPrefix("backbone.body.") && $0.hasSuffix(".num_batches_tracked") }) {
            config.backbone.batchNormEps = 1e-5
        }
        return config
    }

    /// Writes `dict` as safetensors with `config` in the metadata.
    public static func write(_ dict: StateDict, config: MaskRCNNConfig, to path: String) throws {
        var d = dict
        d.metadata[configKey] = try config.jsonString()
        try Safetensors.write(d, to: path)
    }

    /// torchvision renamed some parameters when blocks became
    /// `Conv2dNormActivation`s; its `_load_from_state_dict` upgrades old
    /// checkpoints, and so does this.
    public static func normalisedName(_ name: String) -> String {
        var parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let leaf = parts.last ?? ""
        guard leaf == "weight" || leaf == "bias" else { return name }
        // backbone.fpn.{inner,layer}_blocks.i.weight → …i.0.weight
        if parts.count == 5, parts[0] == "backbone", parts[1] == "fpn", parts[2].hasSuffix("_blocks"), Int(parts[3]) != nil {
            parts.insert("0", at: 4)
        }
        // rpn.head.conv.weight → rpn.head.conv.0.0.weight
        if parts.count == 4, parts[0] == "rpn", parts[1] == "head", parts[2] == "conv" {
            parts.insert(contentsOf: ["0", "0"], at: 3)
        }
        // roi_heads.mask_head.mask_fcnK.weight → roi_heads.mask_head.(K-1).0.weight
        if parts.count == 4, parts[0] == "roi_heads", parts[1] == "mask_head", parts[2].hasPrefix("mask_fcn"),
           let k = Int(parts[2].dropFirst("mask_fcn".count)) {
            parts[2] = String(k - 1)
            parts.insert("0", at: 3)
        }
        return parts.joined(separator: ".")
    }
}
