import Foundation
import VPSCheckpoint

/// torchvision state dicts as `torch.save` writes them (a zip archive holding
/// a pickle), e.g. `maskrcnn_resnet50_fpn_coco-bf2d0c1e.pth`. They carry no
/// config: a `.pth` is read as torchvision's COCO `maskrcnn_resnet50_fpn`
/// (`torchvisionConfig(for:)`), unless the user lays `--model-config` over it.
public enum TorchvisionFormat: CheckpointFormat {
    public static let name = "torch.save (zip)"
    public static let fileExtensions = ["pth", "pt"]

    /// A zip archive's local file header, `PK\u{3}\u{4}`.
    public static func recognises(header: [UInt8]) -> Bool {
        header.starts(with: [0x50, 0x4B, 0x03, 0x04])
    }

    public static func readWeights(path: String) throws -> StateDict {
        renamed(try TorchCheckpoint.read(path: path))
    }

    public static func config(of weights: StateDict, path: String) throws -> CheckpointConfig {
        .implied(torchvisionConfig(for: weights))
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

    /// `dict` with every tensor under its current torchvision name.
    static func renamed(_ dict: StateDict) -> StateDict {
        var out = dict
        out.tensors = Dictionary(uniqueKeysWithValues: dict.tensors.map { (normalisedName($0.key), $0.value) })
        return out
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
