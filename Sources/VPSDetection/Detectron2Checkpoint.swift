import Foundation
import VPSCheckpoint

/// Detectron2 Panoptic FPN (and Mask R-CNN FPN) model-zoo checkpoints:
/// reads the `.pkl` (`Detectron2Pickle`), renames its parameters to vps's
/// torchvision-style names, rearranges the class-indexed ones, and gives
/// the config the file implies (`config(for:)`).
///
/// Class layout: Detectron2's box classifier has the background last
/// (81 rows for COCO), its box regression 4 rows per foreground class and
/// its mask predictor one channel per foreground class. vps's heads put the
/// background first, so the background row moves to the front and the box
/// and mask predictors get a zero background entry; softmax, NMS and mask
/// selection are unchanged by that, and label c + 1 is Detectron2's class c.
public enum Detectron2Checkpoint: CheckpointFormat {
    public static let name = "Detectron2 model-zoo pickle"
    public static let fileExtensions = ["pkl"]

    /// A pickle of protocol 2–4 (`0x80 p`) that does not open with the
    /// magic number of torch's legacy (pre-zip) `torch.save` format (`LONG1`).
    public static func recognises(header: [UInt8]) -> Bool {
        Detectron2Pickle.matches(header: header) && (header.count < 3 || header[2] != 0x8a)
    }

    public static func readWeights(path: String) throws -> StateDict {
        try converted(try Detectron2Pickle.read(path: path), path: path)
    }

    /// Model-zoo files carry no config; their tensors imply one (`config(for:)`).
    public static func config(of weights: StateDict, path: String) throws -> CheckpointConfig {
        .implied(config(for: weights))
    }

    /// Weights under vps names, and the config they imply.
    public static func read(path: String) throws -> (weights: StateDict, config: MaskRCNNConfig) {
        let weights = try readWeights(path: path)
        return (weights, config(for: weights))
    }

    /// `dict` (Detectron2 names) with vps names and class layout.
    public static func converted(_ dict: StateDict, path: String = "<memory>") throws -> StateDict {
        var out = StateDict(metadata: dict.metadata)
        for (name, t) in dict.tensors {
            let (vpsName, entry) = try rearranged(rename(name), t, path: path)
            guard out.tensors[vpsName] == nil else {
                throw CheckpointError.malformed(path: path, reason: "two parameters map to \(vpsName)")
            }
            out.tensors[vpsName] = entry
        }
        return out
    }

    /// Moves the background to index 0 of the class-indexed parameters.
    static func rearranged(_ name: String, _ t: TensorEntry, path: String) throws -> (String, TensorEntry) {
        func rows(_ t: TensorEntry) -> (count: Int, width: Int) {
            let n = t.shape.first ?? 0
            return (n, n == 0 ? 0 : t.values.count / n)
        }
        switch name {
        case "roi_heads.box_predictor.cls_score.weight", "roi_heads.box_predictor.cls_score.bias":
            let (n, w) = rows(t)
            guard n >= 2 else { throw CheckpointError.malformed(path: path, reason: "\(name) has fewer than 2 classes") }
            let values = Array(t.values[((n - 1) * w)...]) + Array(t.values[..<((n - 1) * w)])
            return (name, TensorEntry(shape: t.shape, dtype: t.dtype, values: values))
        case "roi_heads.box_predictor.bbox_pred.weight", "roi_heads.box_predictor.bbox_pred.bias",
             "roi_heads.mask_predictor.mask_fcn_logits.weight", "roi_heads.mask_predictor.mask_fcn_logits.bias":
            let (n, w) = rows(t)
            let extra = name.contains("bbox_pred") ? 4 : 1
            guard n > 0 else { throw CheckpointError.malformed(path: path, reason: "\(name) is empty") }
            var shape = t.shape
            shape[0] = n + extra
            return (name, TensorEntry(shape: shape, dtype: t.dtype, values: [Float](repeating: 0, count: extra * w) + t.values))
        default:
            return (name, t)
        }
    }

    /// The vps name of a Detectron2 parameter; names it does not know stay
    /// as they are (and are then reported as unexpected when the model is built).
    public static func rename(_ name: String) -> String {
        var p = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        func rest(_ from: Int) -> [String] { Array(p[from...]) }
        func join(_ parts: [String]) -> String { parts.joined(separator: ".") }
        // norm.{weight,bias,running_*} of a conv → its batch norm
        if p.count >= 5, p[0] == "backbone", p[1] == "bottom_up" {
            if p[2] == "stem", p[3] == "conv1" {
                return join(["backbone", "body"] + (p[4] == "norm" ? ["bn1"] + rest(5) : ["conv1"] + rest(4)))
            }
            if p[2].hasPrefix("res"), let s = Int(p[2].dropFirst(3)), (2...5).contains(s), p.count >= 6 {
                let block = ["backbone", "body", "layer\(s - 1)", p[3]]
                if p[4].hasPrefix("conv"), let k = Int(p[4].dropFirst(4)) {
                    return join(block + (p[5] == "norm" ? ["bn\(k)"] + rest(6) : ["conv\(k)"] + rest(5)))
                }
                if p[4] == "shortcut" {
                    return join(block + (p[5] == "norm" ? ["downsample", "1"] + rest(6) : ["downsample", "0"] + rest(5)))
                }
            }
            return name
        }
        if p.count == 3, p[0] == "backbone" {
            for (prefix, target) in [("fpn_lateral", "inner_blocks"), ("fpn_output", "layer_blocks")] where p[1].hasPrefix(prefix) {
                if let l = Int(p[1].dropFirst(prefix.count)) { return join(["backbone", "fpn", target, "\(l - 2)", "0", p[2]]) }
            }
            return name
        }
        if p.count == 4, p[0] == "proposal_generator", p[1] == "rpn_head" {
            switch p[2] {
            case "conv": return "rpn.head.conv.0.0.\(p[3])"
            case "objectness_logits": return "rpn.head.cls_logits.\(p[3])"
            case "anchor_deltas": return "rpn.head.bbox_pred.\(p[3])"
            default: return name
            }
        }
        if p.count == 4, p[0] == "roi_heads" {
            switch (p[1], p[2]) {
            case ("box_head", "fc1"): return "roi_heads.box_head.fc6.\(p[3])"
            case ("box_head", "fc2"): return "roi_heads.box_head.fc7.\(p[3])"
            case ("mask_head", "deconv"): return "roi_heads.mask_predictor.conv5_mask.\(p[3])"
            case ("mask_head", "predictor"): return "roi_heads.mask_predictor.mask_fcn_logits.\(p[3])"
            case ("mask_head", let f) where f.hasPrefix("mask_fcn"):
                if let k = Int(f.dropFirst("mask_fcn".count)) { p = ["roi_heads", "mask_head", "\(k - 1)", "0", p[3]] }
                return join(p)
            default: return name
            }
        }
        return name
    }
}
