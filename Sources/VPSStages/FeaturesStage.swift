import VPSCore
import VPSDetection
import VPSMotion
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
/// normalise, pad), ResNet body and FPN, on every frame, or on key frames
/// only (see `KeyFrameSchedule`; then it also needs the motion map).
///
/// The checkpoint is loaded and checked when the pipeline is built, so a
/// missing or mismatched checkpoint fails before the first frame.
public final class FeaturesStage: Stage {
    public let name = "features"
    public let requires: [String]
    public let provides = [FeaturesKey.name]
    public let model: MaskRCNN
    public let schedule: KeyFrameSchedule
    private var state: KeyFrameState?
    /// Frames whose backbone ran, so far.
    public private(set) var keyFrames = 0

    public init(model: MaskRCNN, schedule: KeyFrameSchedule = KeyFrameSchedule()) {
        self.model = model
        self.schedule = schedule
        requires = schedule.everyFrame ? [FrameKey.name] : [FrameKey.name, MotionKey.name]
    }

    public func process(_ packet: inout Packet) throws {
        let image = packet.frame.image
        if let state, !schedule.everyFrame, state.age + 1 < schedule.interval {
            let composed = state.composing(try packet.require(MotionKey.self))
            let motion = composed.meanMagnitude * Double(image.width) / Double(max(1, state.key.resizedSize.w))
            let tooFar = (schedule.maxMotion > 0 && motion > schedule.maxMotion)
                || (schedule.maxOutside > 0 && composed.outsideShare > schedule.maxOutside)
            if !tooFar {
                self.state!.age += 1
                self.state!.composed = composed
                switch schedule.propagate {
                case .masks: packet.markGap(FeaturesKey.self)
                case .features:
                    var carried = state.key.carried(by: composed)
                    carried.timings = ModelTimings()
                    packet[FeaturesKey.self] = FrameFeatures(model: model, maps: carried)
                }
                return
            }
        }
        let maps = model.features(image)
        keyFrames += 1
        if !schedule.everyFrame { state = KeyFrameState(key: maps) }
        packet[FeaturesKey.self] = FrameFeatures(model: model, maps: maps)
    }

    /// The `features` stage's settings.
    public struct Settings: SettingsDecodable, Equatable {
        /// The checkpoint (.safetensors or torchvision .pth); empty: the
        /// model a command stored as `FeaturesModel`.
        public var weights = ""
        /// A model configuration file for a checkpoint without one; empty: none.
        public var modelConfig = ""
        /// `KeyFrameSchedule.interval`: 1…1000 (1: every frame).
        public var interval = 1
        /// `KeyFrameSchedule.maxMotion`, frame pixels ≥ 0 (0: off).
        public var maxMotion = 0.0
        /// `KeyFrameSchedule.maxOutside`, a share within 0…1 (0: off).
        public var maxOutside = 0.0
        public var propagate = KeyFrameSchedule.Propagation.features

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case weights, modelConfig = "model_config", interval, maxMotion = "max_motion", maxOutside = "max_outside", propagate
        }
        public static let settingsOwner = "features"

        public init(from decoder: Decoder) throws {
            self = try Self.decoded(from: decoder) { c, s in
                try c.decode(.weights, into: &s.weights)
                try c.decode(.modelConfig, into: &s.modelConfig)
                try c.decode(.interval, into: &s.interval)
                try c.decode(.maxMotion, into: &s.maxMotion)
                try c.decode(.maxOutside, into: &s.maxOutside)
                try c.decode(.propagate, into: &s.propagate, what: "features propagate")
            }
        }

        /// Checks ranges; throws `VPSError.invalidPipeline` naming the key.
        public func validate() throws {
            guard (1...1000).contains(interval) else {
                throw VPSError.invalidPipeline("features interval must be a frame count within 1…1000 (1: every frame), got \(interval)")
            }
            guard maxMotion >= 0, maxMotion.isFinite else {
                throw VPSError.invalidPipeline("features max_motion must be ≥ 0 pixels (0: off), got \(maxMotion)")
            }
            guard (0...1).contains(maxOutside) else {
                throw VPSError.invalidPipeline("features max_outside must be a share within 0…1 (0: off), got \(maxOutside)")
            }
        }

        /// The key-frame schedule these settings describe.
        public var schedule: KeyFrameSchedule {
            KeyFrameSchedule(interval: interval, maxMotion: maxMotion, maxOutside: maxOutside, propagate: propagate)
        }
    }

    static let definition = StageDefinition(
        name: "features", summary: "ResNet-FPN backbone features (loads the model checkpoint); on key frames only with interval > 1",
        settings: Settings.self,
        builder: .stage { settings, context in
            let s = try settings.decode(Settings.self)
            if s.weights.isEmpty, let model = context[FeaturesModel.self] { return FeaturesStage(model: model, schedule: s.schedule) }
            guard !s.weights.isEmpty else {
                throw VPSError.invalidArgument("this model needs weights: pass --weights FILE (.safetensors or torchvision .pth)")
            }
            return FeaturesStage(model: try MaskRCNN.load(path: s.weights, configFile: s.modelConfig.isEmpty ? nil : s.modelConfig),
                                 schedule: s.schedule)
        })
}
