import VPSCore

/// Every weight and threshold of the tracker: the `track` stage's settings in
/// `pipelines/*.yaml`, snake_case keys, each defaulting to the value below.
///
/// The affinity of detection i and track j is VPSNet's / MaskTrack R-CNN's:
///
///     a(i, j) = log_softmax_j([new_object_logit, embedding_scale · e_i·e_j …])
///               + score_weight · log(score_i)
///               + iou_weight · IoU(i, j)
///               + label_weight · [category_i == category_j]
///
/// and the 'new object' column (j = 0) has IoU `new_object_iou` and label
/// term 1, as in MaskTrack R-CNN (which uses new_object_logit = 0 and
/// new_object_iou = 0). The IoU is the mask IoU with the track's mask
/// brought into the current frame (warped by the motion map when the track
/// was seen in the previous frame, moved at its own velocity while lost);
/// the greedy baseline uses the plain box IoU with the last box.
public struct TrackerConfig: Codable, SettingsDecodable, Equatable, Sendable {
    /// Multiplies embedding dot products before the softmax. 1 for a trained
    /// track head (its logits are learned at scale); the fallback without
    /// one, pooled RoI features, is L2-normalised (dot = cosine in −1…1), so
    /// it needs a larger scale.
    public var embeddingScale = 10.0
    /// Logit of the 'new object' column before the softmax (MaskTrack R-CNN: 0,
    /// its dummy reference has an all-zero feature). With embedding_scale s a
    /// detection prefers an existing track of its class over a new one when
    /// s·cos + iou_weight·IoU > new_object_logit + iou_weight·new_object_iou.
    public var newObjectLogit = 7.0
    /// IoU value of the 'new object' column (MaskTrack R-CNN: 0).
    public var newObjectIou = 0.0
    /// Weight of log(score) (MaskTrack R-CNN: 1).
    public var scoreWeight = 1.0
    /// Weight of the IoU term (MaskTrack R-CNN: 2).
    public var iouWeight = 2.0
    /// Weight of the same-label indicator (MaskTrack R-CNN: 10).
    public var labelWeight = 10.0
    /// Use the motion map to warp track masks into the current frame (off:
    /// the last mask as it was; the per-frame baseline).
    public var motionCompensation = true
    /// Hits after which a tentative track is confirmed and gets its ID; a
    /// tentative track that misses a frame is removed. 1 confirms at once.
    public var confirmHits = 2
    /// Frames a confirmed track stays matchable after it was last seen (its
    /// ID comes back if it reappears within them), then it is removed.
    public var maxLostFrames = 30
    /// At most this many lost tracks are kept (the longest-lost go first), so
    /// memory stays bounded however long the video.
    public var maxLostTracks = 64
    /// Weight of the old embedding when a track's embedding is updated
    /// (0: the latest detection's, as MaskTrack R-CNN).
    public var embeddingMomentum = 0.5
    /// Weight of the old velocity when a track's velocity (pixels per frame
    /// of its box centre) is updated.
    public var velocityMomentum = 0.5

    public init() {}

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case embeddingScale = "embedding_scale", newObjectLogit = "new_object_logit", newObjectIou = "new_object_iou"
        case scoreWeight = "score_weight", iouWeight = "iou_weight", labelWeight = "label_weight"
        case motionCompensation = "motion_compensation", confirmHits = "confirm_hits"
        case maxLostFrames = "max_lost_frames", maxLostTracks = "max_lost_tracks"
        case embeddingMomentum = "embedding_momentum", velocityMomentum = "velocity_momentum"
    }

    public static let settingsOwner = "track"

    /// Decodes the keys present, keeps the defaults for the others, and
    /// rejects unknown keys and out-of-range values (`VPSError.invalidPipeline`).
    public init(from decoder: Decoder) throws {
        self = try Self.decoded(from: decoder) { c, s in
            try c.decode(.embeddingScale, into: &s.embeddingScale)
            try c.decode(.newObjectLogit, into: &s.newObjectLogit)
            try c.decode(.newObjectIou, into: &s.newObjectIou)
            try c.decode(.scoreWeight, into: &s.scoreWeight)
            try c.decode(.iouWeight, into: &s.iouWeight)
            try c.decode(.labelWeight, into: &s.labelWeight)
            try c.decode(.motionCompensation, into: &s.motionCompensation)
            try c.decode(.confirmHits, into: &s.confirmHits)
            try c.decode(.maxLostFrames, into: &s.maxLostFrames)
            try c.decode(.maxLostTracks, into: &s.maxLostTracks)
            try c.decode(.embeddingMomentum, into: &s.embeddingMomentum)
            try c.decode(.velocityMomentum, into: &s.velocityMomentum)
        }
    }

    /// Checks ranges; throws `VPSError.invalidPipeline` naming the key.
    public func validate() throws {
        func check(_ ok: Bool, _ key: CodingKeys, _ rule: String) throws {
            if !ok { throw VPSError.invalidPipeline("track: \(key.rawValue) must be \(rule)") }
        }
        try check(embeddingScale.isFinite && embeddingScale >= 0, .embeddingScale, "≥ 0")
        try check(newObjectLogit.isFinite, .newObjectLogit, "finite")
        try check(newObjectIou.isFinite, .newObjectIou, "finite")
        try check(scoreWeight.isFinite && scoreWeight >= 0, .scoreWeight, "≥ 0")
        try check(iouWeight.isFinite && iouWeight >= 0, .iouWeight, "≥ 0")
        try check(labelWeight.isFinite && labelWeight >= 0, .labelWeight, "≥ 0")
        try check(confirmHits >= 1, .confirmHits, "≥ 1")
        try check(maxLostFrames >= 0, .maxLostFrames, "≥ 0")
        try check(maxLostTracks >= 0, .maxLostTracks, "≥ 0")
        try check((0...1).contains(embeddingMomentum), .embeddingMomentum, "in 0…1")
        try check((0...1).contains(velocityMomentum), .velocityMomentum, "in 0…1")
    }
}
