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
    /// Each mode and the settings it takes (besides `mode`).
    static let modes: [(name: String, keys: [String])] = [
        ("flow", ["side_by_side", "max_magnitude"]),
        ("instances", ["mask_opacity"]),
        ("panoptic", ["mask_opacity", "stuff_opacity", "trails", "label_scale"]),
    ]

    static let definition = StageDefinition(
        name: "render",
        summary: "draw the output picture (mode flow: colour-coded motion map; instances: masks, boxes, labels; "
            + "panoptic: stuff, tracked things in per-ID colours, IDs, trails)",
        keys: ["mode"] + modes.flatMap(\.keys).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } },
        builder: .stage { settings, _ in try build(settings) })

    static func build(_ settings: StageSettings) throws -> Stage {
        let mode = try settings.string("mode", default: "flow")
        guard let entry = modes.first(where: { $0.name == mode }) else {
            throw VPSError.invalidPipeline("render mode '\(mode)' is unknown; valid: \(modes.map(\.name).joined(separator: ", "))")
        }
        for key in settings.values.keys.sorted() where key != "mode" && !entry.keys.contains(key) {
            let owners = modes.filter { $0.keys.contains(key) }.map(\.name).joined(separator: ", ")
            throw VPSError.invalidPipeline("render setting '\(key)' applies to mode \(owners), not \(mode)")
        }
        switch mode {
        case "instances":
            return InstanceRenderStage(maskOpacity: try opacity(settings, "mask_opacity", default: 0.5))
        case "panoptic":
            let trails = try settings.int("trails", default: 0)
            guard (0...10_000).contains(trails) else {
                throw VPSError.invalidPipeline("render trails must be a frame count within 0…10000 (0 = no trails), got \(trails)")
            }
            return PanopticRenderStage(maskOpacity: try opacity(settings, "mask_opacity", default: 0.5),
                                       stuffOpacity: try opacity(settings, "stuff_opacity", default: 0.25),
                                       trailLength: trails, labelScale: try labelScale(settings))
        default:
            let m = try settings.optionalDouble("max_magnitude")
            if let m, !(m > 0) { throw VPSError.invalidPipeline("render max_magnitude must be positive, got \(m)") }
            return FlowRenderStage(maxMagnitude: m.map { Float($0) },
                                   sideBySide: try settings.bool("side_by_side", default: false))
        }
    }

    /// `label_scale`: a positive font scale, or absent for one that follows the frame height.
    static func labelScale(_ settings: StageSettings) throws -> Double? {
        guard let s = try settings.optionalDouble("label_scale") else { return nil }
        guard s > 0, s <= 10 else { throw VPSError.invalidPipeline("render label_scale must be within 0…10, got \(s)") }
        return s
    }

    static func opacity(_ settings: StageSettings, _ key: String, default d: Double) throws -> Float {
        let a = try settings.double(key, default: d)
        guard (0...1).contains(a) else { throw VPSError.invalidPipeline("render \(key) must be within 0…1, got \(a)") }
        return Float(a)
    }
}
