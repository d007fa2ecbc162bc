import VPSCore
import VPSDetection
import VPSPipeline

/// One frame's backbone features and the model that computed them, so that
/// `detect` always runs the heads of that same model.
public struct FrameFeatures: Sendable {
    /// The model whose `features(_:)` produced `maps`; `detect` uses its heads.
    public let model: MaskRCNN
    /// P2…P5 and 'pool' plus the resized, padded and original sizes.
    public let maps: FeatureMaps

    public init(model: MaskRCNN, maps: FeatureMaps) {
        self.model = model
        self.maps = maps
    }
}

/// Written by the `features` stage; read by `detect` (and later `fuse`).
public enum FeaturesKey: PacketKey {
    public typealias Value = FrameFeatures
    public static let name = "features"
}

/// A model a command built before the pipeline (e.g. `vps bench pipeline`'s
/// seeded one): the `features` stage uses it when its settings name no weights.
public enum FeaturesModel: BuildResourceKey {
    public typealias Value = MaskRCNN
}

/// The `features` stage: the first half of Mask R-CNN, transform (resize,
/// normalise, pad), ResNet body and FPN, for every frame.
///
/// The checkpoint is loaded and checked when the pipeline is built, so a
/// missing or mismatched checkpoint fails before the first frame.
public final class FeaturesStage: Stage {
    public let name = "features"
    public let requires = [FrameKey.name]
    public let provides = [FeaturesKey.name]
    public let model: MaskRCNN

    public init(model: MaskRCNN) {
        self.model = model
    }

    public func process(_ packet: inout Packet) throws {
        packet[FeaturesKey.self] = FrameFeatures(model: model, maps: model.features(packet.frame.image))
    }

    static let definition = StageDefinition(
        name: "features", summary: "ResNet-FPN backbone features (loads the model checkpoint)",
        keys: ["weights", "model_config"],
        builder: .stage { settings, context in
            let weights = try settings.string("weights", default: "")
            let config = try settings.string("model_config", default: "")
            if weights.isEmpty, let model = context[FeaturesModel.self] { return FeaturesStage(model: model) }
            guard !weights.isEmpty else {
                throw VPSError.invalidArgument("this model needs weights: pass --weights FILE (.safetensors or torchvision .pth)")
            }
            return FeaturesStage(model: try MaskRCNN.load(path: weights, configFile: config.isEmpty ? nil : config))
        })
}
