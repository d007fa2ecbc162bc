import VPSCore
import VPSPipeline

/// The `render` entry of the stage table: one name, three drawings, picked by `mode`.
///
/// | mode | draws | reads | settings |
/// | --- | --- | --- | --- |
/// | `flow` | the colour-coded motion map | frame, motion | `side_by_side`, `max_magnitude` |
/// | `instances` | detector masks, boxes, "class score" | frame, detections | `mask_opacity` |
/// | `panoptic` | stuff tint, tracked things in their track's colour, outlines, boxes, "class #id score", trails | frame, panoptic | `mask_opacity`, `stuff_opacity`, `trails`, `label_scale` |
///
/// A setting that belongs to another mode is rejected, so a typo'd pipeline
/// fails before the first frame instead of being silently ignored.
public enum RenderStage {
    /// What `render` draws.
    public enum Mode: String, CaseIterable, Sendable {
        case flow, instances, panoptic

        /// The settings the mode takes (besides `mode`).
        var keys: [Settings.CodingKeys] {
            switch self {
            case .flow: return [.sideBySide, .maxMagnitude]
            case .instances: return [.maskOpacity]
            case .panoptic: return [.maskOpacity, .stuffOpacity, .trails, .labelScale]
            }
        }
    }

    /// The `render` stage's settings: `mode` and the settings of every mode,
    /// of which a pipeline may set only its mode's.
    public struct Settings: SettingsDecodable, Equatable {
        public var mode = Mode.flow
        /// flow: the frame and the motion map side by side.
        public var sideBySide = false
        /// flow: the flow magnitude (pixels) of full saturation; nil: each frame's largest.
        public var maxMagnitude: Double?
        /// instances, panoptic: opacity of the instance masks, 0…1.
        public var maskOpacity = 0.5
        /// panoptic: opacity of the stuff tint, 0…1.
        public var stuffOpacity = 0.25
        /// panoptic: frames of motion trail per track, 0…10000 (0: none).
        public var trails = 0
        /// panoptic: label font scale in 0…10; nil: one that follows the frame height.
        public var labelScale: Double?

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case mode, sideBySide = "side_by_side", maxMagnitude = "max_magnitude"
            case maskOpacity = "mask_opacity", stuffOpacity = "stuff_opacity", trails, labelScale = "label_scale"
        }
        public static let settingsOwner = "render"

        /// The mode first, then only that mode's keys: a setting of another
        /// mode is an error naming the modes it belongs to.
        public init(from decoder: Decoder) throws {
            self = try Self.decoded(from: decoder) { c, s in
                try c.decode(.mode, into: &s.mode, what: "render mode")
                let mode = s.mode
                for key in c.allKeys where key != .mode && !mode.keys.contains(key) {
                    let owners = Mode.allCases.filter { $0.keys.contains(key) }.map(\.rawValue).joined(separator: ", ")
                    throw VPSError.invalidPipeline("render setting '\(key.rawValue)' applies to mode \(owners), not \(mode.rawValue)")
                }
                try c.decode(.sideBySide, into: &s.sideBySide)
                try c.decode(.maxMagnitude, into: &s.maxMagnitude)
                try c.decode(.maskOpacity, into: &s.maskOpacity)
                try c.decode(.stuffOpacity, into: &s.stuffOpacity)
                try c.decode(.trails, into: &s.trails)
                try c.decode(.labelScale, into: &s.labelScale)
            }
        }

        /// Checks ranges; throws `VPSError.invalidPipeline` naming the key.
        public func validate() throws {
            guard (0...10_000).contains(trails) else {
                throw VPSError.invalidPipeline("render trails must be a frame count within 0…10000 (0 = no trails), got \(trails)")
            }
            for (key, a) in [(CodingKeys.maskOpacity, maskOpacity), (.stuffOpacity, stuffOpacity)] where !(0...1).contains(a) {
                throw VPSError.invalidPipeline("render \(key.rawValue) must be within 0…1, got \(a)")
            }
            if let s = labelScale, !(s > 0 && s <= 10) {
                throw VPSError.invalidPipeline("render label_scale must be within 0…10, got \(s)")
            }
            if let m = maxMagnitude, !(m > 0) {
                throw VPSError.invalidPipeline("render max_magnitude must be positive, got \(m)")
            }
        }
    }

    static let definition = StageDefinition(
        name: "render",
        summary: "draw the output picture (mode flow: colour-coded motion map; instances: masks, boxes, labels; "
            + "panoptic: stuff, tracked things in per-ID colours, IDs, trails)",
        settings: Settings.self,
        builder: .stage { settings, _ in build(try settings.decode(Settings.self)) })

    /// The drawing stage of `settings.mode`.
    static func build(_ s: Settings) -> Stage {
        switch s.mode {
        case .instances:
            return InstanceRenderStage(maskOpacity: Float(s.maskOpacity))
        case .panoptic:
            return PanopticRenderStage(maskOpacity: Float(s.maskOpacity), stuffOpacity: Float(s.stuffOpacity),
                                       trailLength: s.trails, labelScale: s.labelScale)
        case .flow:
            return FlowRenderStage(maxMagnitude: s.maxMagnitude.map { Float($0) }, sideBySide: s.sideBySide)
        }
    }
}
