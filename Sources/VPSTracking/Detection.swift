/// One instance found in one frame: what the detector hands the tracker.
public struct Detection: Equatable, Sendable {
    /// Category id (as `Category.id`, e.g. the panoptic category).
    public var category: Int
    /// Detector confidence in (0, 1]; the affinity takes its log, so 0 is clamped to 1e-6.
    public var score: Double
    /// Box in pixels, (x1, y1, x2, y2), origin top-left (see `Box`).
    public var box: Box
    /// The instance mask in frame pixels (see `BinaryMask`).
    public var mask: BinaryMask
    /// Appearance embedding: the track head's output with a trained head,
    /// otherwise `AppearanceEmbedding` (pooled colour under the mask). Any
    /// length, the same for all detections of a video; nil when there is none
    /// (the embedding term is then uniform and only IoU, label and score count).
    public var embedding: [Float]?

    public init(category: Int, score: Double, box: Box, mask: BinaryMask, embedding: [Float]? = nil) {
        self.category = category
        self.score = score
        self.box = box
        self.mask = mask
        self.embedding = embedding
    }

    /// A detection whose box is the mask's tight box.
    public init(category: Int, score: Double, mask: BinaryMask, embedding: [Float]? = nil) {
        self.init(category: category, score: score, box: mask.box, mask: mask, embedding: embedding)
    }
}

/// The tracker's answer for one detection of a frame.
public struct TrackedDetection: Equatable, Sendable {
    /// Index into the frame's detection list.
    public var detection: Int
    /// The persistent identity (from 1), or nil when this detection is not
    /// reported: it started a tentative track that is not yet confirmed, or
    /// (greedy baseline) lost a competition for an existing object.
    public var trackId: Int?

    public init(detection: Int, trackId: Int?) {
        self.detection = detection
        self.trackId = trackId
    }
}
