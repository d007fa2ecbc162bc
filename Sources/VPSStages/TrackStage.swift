import VPSCore
import VPSMotion
import VPSPanoptic
import VPSPipeline
import VPSTracking

/// The `track` stage: gives each frame's detections persistent IDs.
///
/// Settings (`pipelines/*.yaml`): `method` — `hungarian` (vps's tracker:
/// motion-compensated mask IoU, Hungarian assignment, track lifecycle) or
/// `greedy` (VPSNet's / MaskTrack R-CNN's test-time rule, the per-frame
/// baseline) — plus every `TrackerConfig` key (`embedding_scale`,
/// `new_object_logit`, `iou_weight`, `confirm_hits`, `max_lost_frames`, …).
///
/// The motion map is used when an earlier `motion` stage provides one
/// (resampled to the frame's size when it was computed at a lower `scale`). When
/// the detections carry a trained track head's embeddings, the settings the
/// pipeline leaves out follow MaskTrack R-CNN, whose loss the head is trained
/// with: `embedding_scale` 1 (the head's dot products are learned logits) and
/// `new_object_logit` 0 (its dummy reference). Pooled-feature embeddings are
/// L2-normalised and keep `TrackerConfig`'s defaults.
public final class TrackStage: Stage {
    public enum Method: String, CaseIterable, Sendable { case hungarian, greedy }

    public let name = "track"
    public let requires = [DetectionsKey.name]
    public let provides = [TracksKey.name]
    public let method: Method
    public let config: TrackerConfig
    /// The settings the pipeline set; `embedding_scale` and `new_object_logit`
    /// follow the embeddings' source unless they are among them.
    let explicitSettings: Set<String>
    private var tracker: InstanceTracker?

    public init(method: Method, config: TrackerConfig,
                explicitSettings: Set<String> = ["embedding_scale", "new_object_logit"]) throws {
        try config.validate()
        self.method = method
        self.config = config
        self.explicitSettings = explicitSettings
    }

    public func process(_ packet: inout Packet) throws {
        let found = try packet.require(DetectionsKey.self)
        if tracker == nil { tracker = try makeTracker(for: found.embeddings) }
        let image = packet.frame.image
        // The tracker needs a mask per instance: an instance without one is tracked by its box's pixels.
        let dets = found.detections.map { d in
            var d = d
            if d.mask == nil { d.mask = d.maskOrBox(frameWidth: image.width, frameHeight: image.height) }
            if found.embeddings == .none { d.embedding = nil }
            return d
        }
        // A motion map computed at a reduced `scale` is brought to the frame's size.
        let flow = packet[MotionKey.self].map { $0.resampled(width: image.width, height: image.height) }
        let tracked = try tracker!.update(dets, flow: flow)
        var ids = [Int?](repeating: nil, count: dets.count)
        for t in tracked { ids[t.detection] = t.trackId }
        packet[TracksKey.self] = FrameTracks(trackIds: ids)
    }

    func makeTracker(for source: EmbeddingSource) throws -> InstanceTracker {
        var c = config
        if source == .trackHead {
            if !explicitSettings.contains("embedding_scale") { c.embeddingScale = 1 }
            if !explicitSettings.contains("new_object_logit") { c.newObjectLogit = 0 }
        }
        switch method {
        case .hungarian: return try HungarianTracker(config: c)
        case .greedy: return try GreedyTracker(config: c)
        }
    }

    /// The `track` stage's own setting, `method`; its other settings are `TrackerConfig`'s.
    public struct Settings: SettingsDecodable, Equatable {
        public var method = Method.hungarian

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable { case method }
        public static let settingsOwner = "track"

        public init(from decoder: Decoder) throws {
            self = try Self.decoded(from: decoder) { c, s in
                try c.decode(.method, into: &s.method, what: "track method")
            }
        }
    }

    static let definition = StageDefinition(
        name: "track", summary: "persistent instance IDs (method hungarian: motion-compensated mask IoU, lifecycle; greedy: VPSNet baseline)",
        keys: Settings.settingKeys + TrackerConfig.settingKeys,
        builder: .stage { settings, _ in
            let own = try settings.decode(Settings.self, excluding: Set(TrackerConfig.settingKeys))
            let config = try settings.decode(TrackerConfig.self, excluding: Set(Settings.settingKeys))
            return try TrackStage(method: own.method, config: config, explicitSettings: Set(settings.values.keys))
        })
}
