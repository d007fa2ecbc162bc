import VPSCheckpoint
import VPSDetection

/// The tiny Mask R-CNN the tests share: torchvision's ResNet-18 FPN layout
/// with 8–16 channels, 64 px input, 100/30 RPN proposals, a 32-wide box head
/// and a one-layer mask head. Seeded random weights give near-uniform class
/// scores, so every frame has detections, and thousands of frames run in
/// seconds. Tests change the fields they need (classes, heads, thresholds).
public enum TinyModel {
    public static func config(classNames: [String] = ["__background__", "blob", "bar"]) -> MaskRCNNConfig {
        var c = MaskRCNNConfig()
        c.backbone = BackboneConfig.resnet(18)!
        c.backbone.stemChannels = 8
        c.backbone.stageWidths = [8, 16, 16, 16]
        c.backbone.fpnChannels = 16
        c.backbone.batchNormEps = 1e-5
        c.transform.minSize = 64
        c.transform.maxSize = 96
        c.rpn.preNMSTopN = 100
        c.rpn.postNMSTopN = 30
        c.roiHeads.representationSize = 32
        c.roiHeads.maskLayers = [16]
        c.roiHeads.detectionsPerImage = 4
        c.classNames = classNames
        return c
    }

    /// Seeded uniform weights for `config` (`SeededModel.randomWeights`).
    public static func weights(_ config: MaskRCNNConfig, seed: UInt64) throws -> StateDict {
        try SeededModel.randomWeights(config: config, seed: seed)
    }

    /// Writes `config` with seeded weights as a safetensors checkpoint.
    public static func writeCheckpoint(_ config: MaskRCNNConfig = config(), seed: UInt64, to path: String) throws {
        try ModelCheckpoint.write(try weights(config, seed: seed), config: config, to: path)
    }
}

/// One value a fixture script recorded from its seeded generator: the
/// `index`-th value of parameter `name`.
public struct SeededCheck: Decodable, Sendable {
    public var name: String
    public var index: Int
    public var value: Float
}

public enum SeededChecks {
    /// The checks whose value Swift's generator does not reproduce bit for
    /// bit (empty when the weights regenerate exactly), each described.
    public static func mismatches(seed: UInt64, params: [SeededWeights.Spec], checks: [SeededCheck]) -> [String] {
        checks.compactMap { c in
            guard let spec = params.first(where: { $0.name == c.name }) else { return "\(c.name): not among the parameters" }
            let v = SeededWeights.values(seed: seed, name: c.name, count: c.index + 1, low: spec.low, high: spec.high)
            return v[c.index] == c.value ? nil : "\(c.name)[\(c.index)] = \(v[c.index]), script wrote \(c.value)"
        }
    }
}
