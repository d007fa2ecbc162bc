import VPSCore
import VPSFormats

/// Where the detections' embeddings come from.
public enum EmbeddingSource: String, Sendable {
    /// No embeddings: the tracker uses IoU, class and score only.
    case none
    /// The checkpoint's trained track head (VPSNet / MaskTrack R-CNN).
    case trackHead = "track_head"
    /// Fallback without a track head: pooled, L2-normalised RoI features.
    case pooledFeatures = "pooled_features"
}

/// One frame's instances with category ids, the label set they belong to,
/// and the stuff map when the model has a semantic head.
public struct FrameDetections: Sendable {
    /// Best first; `category` is a category id of `labels`.
    public var detections: [Instance]
    /// The model's label set.
    public var labels: LabelSet
    /// Stuff category ids per pixel (0 where the semantic head says
    /// 'things'), when the model has a semantic head.
    public var stuff: LabelMap?
    /// What `Instance.embedding` holds.
    public var embeddings: EmbeddingSource
    /// The model's own panoptic thresholds, when its config states them
    /// (Detectron2's `combine`); a pipeline's settings override them.
    public var modelFusion: PanopticFusion?
    /// Whether these detections were carried from an earlier frame by the
    /// motion map instead of computed (a key-frame pipeline's `propagate`).
    public var propagated = false

    /// A model's output in its label set: instances of placeholder labels
    /// dropped, labels replaced by category ids, semantic classes by stuff
    /// category ids (see `LabelSet`).
    public init(modelOutput raw: [Instance], labels: LabelSet, semantic: LabelMap? = nil,
                embeddings: EmbeddingSource = .none, modelFusion: PanopticFusion? = nil) {
        self.detections = labels.instances(fromModelOutput: raw)
        self.labels = labels
        self.stuff = semantic.map(labels.stuffMap(fromSemantic:))
        self.embeddings = embeddings
        self.modelFusion = modelFusion
    }

    /// Every category the model can output (things, then stuff), as written to exports.
    public var categories: [Category] { labels.categories }
}
