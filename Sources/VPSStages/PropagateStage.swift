import VPSCore
import VPSMotion
import VPSPanoptic
import VPSPipeline
import VPSTracking

/// The `propagate` stage, after `detect`: on a frame whose detections are a
/// gap (a key-frame pipeline with `propagate: masks` skipped the heads), it
/// carries the last frame's detections forward by the motion map; on every
/// other frame it only remembers them.
///
/// Each mask is warped as the tracker warps a track's mask
/// (`BinaryMask.warped`: bilinear, threshold 0.5), its box becomes the
/// warped mask's box, and category, score and embedding are kept; a mask
/// warped out of the frame is dropped. The stuff map is warped by nearest
/// neighbour. The result is marked `propagated`, and the tracker then
/// continues each track on it.
public final class PropagateStage: Stage {
    public let name = "propagate"
    public let requires = [DetectionsKey.name, MotionKey.name]
    public let provides = [DetectionsKey.name]
    private var last: FrameDetections?

    public init() {}

    public func process(_ packet: inout Packet) throws {
        last = try packet.require(DetectionsKey.self)
    }

    public func processGap(_ packet: inout Packet, missing: [String]) throws {
        guard missing == [DetectionsKey.name], let last, let motion = packet[MotionKey.self] else { return }
        let image = packet.frame.image
        let flow = motion.resampled(width: image.width, height: image.height)
        let carried = try Self.carry(last, by: flow)
        packet[DetectionsKey.self] = carried
        self.last = carried
    }

    /// `found` brought into the next frame by `flow` (that frame → `found`'s, at frame size).
    static func carry(_ found: FrameDetections, by flow: FlowField) throws -> FrameDetections {
        var out = found
        let margin = BinaryMask.warpMargin(of: flow)
        out.detections = try found.detections.compactMap { d in
            guard let mask = d.mask, mask.frameWidth == flow.width, mask.frameHeight == flow.height else { return nil }
            let warped = try mask.warped(by: flow, margin: margin)
            guard !warped.isEmpty else { return nil }
            return Instance(category: d.category, score: d.score, mask: warped, embedding: d.embedding)
        }
        if let stuff = found.stuff, stuff.width == flow.width, stuff.height == flow.height {
            var labels = stuff.labels
            BackwardWarp.forEachNearest(flow) { x, y, sx, sy in labels[y * stuff.width + x] = stuff.labels[sy * stuff.width + sx] }
            out.stuff = LabelMap(width: stuff.width, height: stuff.height, labels: labels)
        }
        out.propagated = true
        return out
    }

    /// The `propagate` stage takes no settings.
    public struct Settings: SettingsDecodable, Equatable {
        public init() {}
        /// No keys.
        public enum CodingKeys: CodingKey, CaseIterable {
            public var stringValue: String { switch self {} }
            public init?(stringValue: String) { nil }
            public var intValue: Int? { nil }
            public init?(intValue: Int) { nil }
        }
        public static let settingsOwner = "propagate"
        public init(from decoder: Decoder) throws { self = try Self.decoded(from: decoder) { _, _ in } }
    }

    static let definition = StageDefinition(
        name: "propagate", summary: "carry the last detections forward by the motion map on frames detect skipped (key frames)",
        settings: Settings.self,
        builder: .stage { settings, _ in
            _ = try settings.decode(Settings.self)
            return PropagateStage()
        })
}
