import VPSCore
import VPSDetection
import VPSFormats
import VPSPipeline

// The packet keys of the annotation pipeline, in data-path order:
// detect → track → panoptic → render / export.

/// Where the detections' embeddings come from.
public enum EmbeddingSource: String, Sendable {
    /// No embeddings: the tracker uses IoU, class and score only.
    case none
    /// The checkpoint's trained track head (VPSNet / MaskTrack R-CNN).
    case trackHead = "track_head"
    /// Fallback without a track head: pooled, L2-normalised RoI features.
    case pooledFeatures = "pooled_features"
}

/// A per-pixel stuff labelling of a frame, from the semantic head.
public struct StuffMap: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// `ids[y * width + x]`: the stuff category id of the pixel, 0 where the
    /// semantic head predicts 'things' (or nothing).
    public var ids: [Int32]

    public init(width: Int, height: Int, ids: [Int32]) {
        precondition(ids.count == width * height, "stuff map does not match \(width)x\(height)")
        self.width = width
        self.height = height
        self.ids = ids
    }
}

/// One frame's instances, the categories their labels map to, and the stuff
/// map when the model has a semantic head.
public struct FrameDetections: Sendable {
    public var detections: [Detection]
    /// The model's class names; `Detection.label` indexes them, 0 is the background.
    public var classNames: [String]
    /// Every category the model can output (things, then stuff), as written to exports.
    public var categories: [Category]
    /// The category id of each label (index = label; 0 for the background).
    public var labelCategories: [Int]
    /// Stuff, when the model has a semantic head.
    public var stuff: StuffMap?
    /// What `Detection.embedding` holds.
    public var embeddings: EmbeddingSource
    /// The model's panoptic combine thresholds (`SemanticHeadConfig.combine`), if it states them.
    public var combine: PanopticCombineConfig?

    /// Detections of torchvision's "N/A" placeholder labels are dropped here:
    /// those labels (12, 26, 29, 30, 45, 66, 68, 69, 71, 83 of torchvision's
    /// COCO label set) are ids COCO never assigned, with no name and no
    /// training data, so every such detection is noise; COCO's evaluation
    /// never scores them, and importers such as Datumaro (CVAT) reject a file
    /// whose annotations name a category it does not declare. `MaskRCNN`
    /// itself still returns them, exactly as torchvision does.
    public init(detections: [Detection], classNames: [String], categories: [Category], labelCategories: [Int],
                stuff: StuffMap? = nil, embeddings: EmbeddingSource = .none, combine: PanopticCombineConfig? = nil) {
        self.combine = combine
        self.detections = detections.filter { !Self.isPlaceholder(label: $0.label, classNames: classNames) }
        self.classNames = classNames
        self.categories = categories
        self.labelCategories = labelCategories
        self.stuff = stuff
        self.embeddings = embeddings
    }

    /// The class name torchvision gives the COCO ids that have no category.
    public static let placeholderClassName = "N/A"

    /// Whether `label` is one of torchvision's placeholder classes.
    public static func isPlaceholder(label: Int, classNames: [String]) -> Bool {
        label < classNames.count && classNames[label] == placeholderClassName
    }

    /// The labels that are thing categories: all but the background (0) and
    /// the placeholders.
    public static func thingLabels(_ classNames: [String]) -> [Int] {
        classNames.indices.dropFirst().filter { !isPlaceholder(label: $0, classNames: classNames) }
    }

    /// Things only, each label its own category id (the background and
    /// torchvision's "N/A" placeholders are not categories).
    public init(detections: [Detection], classNames: [String]) {
        self.init(detections: detections, classNames: classNames,
                  categories: Self.thingLabels(classNames).map { Category(id: $0, name: classNames[$0], isThing: true) },
                  labelCategories: Array(classNames.indices))
    }

    /// The category id of detection `i`.
    public func category(of i: Int) -> Int {
        let label = detections[i].label
        return label < labelCategories.count ? labelCategories[label] : label
    }
}

/// Mask R-CNN detections of the frame (boxes in frame pixels, masks pasted).
public enum DetectionsKey: PacketKey {
    public typealias Value = FrameDetections
    public static let name = "detections"
}

/// The tracker's identities for a frame's detections.
public struct FrameTracks: Sendable, Equatable {
    /// One entry per `FrameDetections.detections`, in order: the persistent
    /// track ID (from 1), or nil for a detection that is not reported (a
    /// tentative track, or a loser in the greedy baseline).
    public var trackIds: [Int?]
    public init(trackIds: [Int?]) { self.trackIds = trackIds }
}

/// Written by the `track` stage.
public enum TracksKey: PacketKey {
    public typealias Value = FrameTracks
    public static let name = "tracks"
}

/// The fused panoptic result of a frame and the label set its ids refer to.
public struct PanopticResult: Sendable {
    /// Things (segment id category·1000 + instance, `trackId` = the track ID),
    /// stuff (category·1000) and void (0), at the frame's size.
    public var frame: PanopticFrame
    public var categories: [Category]
    public init(frame: PanopticFrame, categories: [Category]) {
        self.frame = frame
        self.categories = categories
    }
}

/// Written by the `panoptic` stage; read by `render` (mode panoptic) and `export`.
public enum PanopticKey: PacketKey {
    public typealias Value = PanopticResult
    public static let name = "panoptic"
}
