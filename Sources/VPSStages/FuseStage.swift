import VPSCore
import VPSDetection
import VPSMotion
import VPSPipeline

/// The `fuse` stage, between `features` and `detect`: fuses each frame's
/// feature pyramid with earlier frames' features warped by the motion map.
///
/// Settings: `mode` — `cosine` (`CosineFusion`: FGFA's rule with the
/// features as embeddings; training-free, for any checkpoint), `learned`
/// (the checkpoint's `FuseHead`, `fuse_head.*`; a model without one is an
/// error) or `none` (the features pass unchanged); `temperature` (τ of
/// `cosine`, default 10); `window`
/// (frames aggregated, default 1: the previous frame only). With window k
/// the fusion is recursive: the previous frame's features fused over k − 1
/// frames are fused with the current ones, so every frame costs k fusions.
/// Features from a different model or of another size are not fused.
public final class FuseStage: Stage {
    public enum Mode: String, CaseIterable, Sendable { case none, cosine, learned }

    public let name = "fuse"
    public let requires = [FeaturesKey.name, MotionKey.name]
    public let provides = [FeaturesKey.name]
    public let mode: Mode
    /// The rule of mode cosine.
    public let cosine: CosineFusion
    public let window: Int
    /// The previous frame's features fused over 0, 1, … window − 1 earlier frames.
    private var previous: [FeatureMaps] = []
    private var previousModel: ObjectIdentifier?

    public init(mode: Mode, cosine: CosineFusion = CosineFusion(), window: Int = 1) {
        self.mode = mode
        self.cosine = cosine
        self.window = window
    }

    public func process(_ packet: inout Packet) throws {
        let features = try packet.require(FeaturesKey.self)
        let fusion: FeatureFusion
        switch mode {
        case .none: return
        case .cosine: fusion = cosine
        case .learned:
            guard let head = features.model.fuseHead else {
                throw VPSError.invalidPipeline("fuse mode learned needs a checkpoint with a fusion head (fuse_head.*); "
                                               + "this one has none: use mode cosine or none")
            }
            fusion = head
        }
        let current = features.maps
        var states = [current]
        if previousModel == ObjectIdentifier(features.model), !previous.isEmpty {
            let size = current.resizedSize
            let flow = try packet.require(MotionKey.self).resampled(width: size.w, height: size.h)
            for k in 1...window where k - 1 < previous.count {
                states.append(fusion.fuse(current, with: previous[k - 1], flow: flow))
            }
        }
        previous = Array(states.prefix(window))
        previousModel = ObjectIdentifier(features.model)
        packet[FeaturesKey.self] = FrameFeatures(model: features.model, maps: states.last!)
    }

    /// The `fuse` stage's settings.
    public struct Settings: SettingsDecodable, Equatable {
        public var mode = Mode.cosine
        /// τ of `CosineFusion` (mode cosine), ≥ 0.
        public var temperature = 10.0
        /// Frames aggregated, 1…32.
        public var window = 1

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable { case mode, temperature, window }
        public static let settingsOwner = "fuse"

        public init(from decoder: Decoder) throws {
            self = try Self.decoded(from: decoder) { c, s in
                try c.decode(.mode, into: &s.mode, what: "fuse mode")
                try c.decode(.temperature, into: &s.temperature)
                try c.decode(.window, into: &s.window)
            }
        }

        /// Checks ranges; throws `VPSError.invalidPipeline` naming the key.
        public func validate() throws {
            guard temperature.isFinite, temperature >= 0 else { throw VPSError.invalidPipeline("fuse temperature must be ≥ 0, got \(temperature)") }
            guard (1...32).contains(window) else { throw VPSError.invalidPipeline("fuse window must be a frame count within 1…32, got \(window)") }
        }
    }

    static let definition = StageDefinition(
        name: "fuse", summary: "fuse each frame's features with earlier frames' warped by the motion map (mode cosine|learned|none)",
        settings: Settings.self,
        builder: .stage { settings, _ in
            let s = try settings.decode(Settings.self)
            return FuseStage(mode: s.mode, cosine: CosineFusion(temperature: Float(s.temperature)), window: s.window)
        })
}
