import Foundation
import VPSCore
import VPSTensor

/// One detected instance, in original-image pixels.
public struct Detection: Sendable {
    /// (x1, y1, x2, y2) in pixels of the input image.
    public var box: Box
    /// Class index into `MaskRCNNConfig.classNames` (never 0, the background).
    public var label: Int
    public var score: Float
    /// The thresholded mask pasted into the image, if masks were computed.
    public var mask: InstanceMask?
    /// Appearance embedding for tracking: the track head's output when the
    /// checkpoint has one, otherwise the detection's pooled RoI features
    /// (see `FrameDetections.embeddings`); nil when not computed.
    public var embedding: [Float]? = nil

    public init(box: Box, label: Int, score: Float, mask: InstanceMask? = nil, embedding: [Float]? = nil) {
        self.box = box
        self.label = label
        self.score = score
        self.mask = mask
        self.embedding = embedding
    }
}

/// Seconds spent in each part of one forward pass.
public struct ModelTimings: Sendable, Codable {
    public var transform: Double = 0
    public var backbone: Double = 0
    public var rpn: Double = 0
    public var boxHead: Double = 0
    public var maskHead: Double = 0
    /// The track head, or the pooled-feature embeddings without one.
    public var trackHead: Double = 0
    public var semanticHead: Double = 0
    public var postprocess: Double = 0
    public var total: Double { transform + backbone + rpn + boxHead + maskHead + trackHead + semanticHead + postprocess }

    public init() {}

    /// The sum of two parts' timings (e.g. `features` plus `detect`).
    public static func + (a: ModelTimings, b: ModelTimings) -> ModelTimings {
        var t = ModelTimings()
        t.transform = a.transform + b.transform
        t.backbone = a.backbone + b.backbone
        t.rpn = a.rpn + b.rpn
        t.boxHead = a.boxHead + b.boxHead
        t.maskHead = a.maskHead + b.maskHead
        t.trackHead = a.trackHead + b.trackHead
        t.semanticHead = a.semanticHead + b.semanticHead
        t.postprocess = a.postprocess + b.postprocess
        return t
    }
}

/// The output of `MaskRCNN.features(_:)`: one image through the transform,
/// the ResNet body and the FPN. Everything `MaskRCNN.detect(_:)` needs.
public struct FeatureMaps: Sendable {
    /// P2…P5 and 'pool' (strides 4…64), each `[1, C, ⌈H/s⌉, ⌈W/s⌉]` of the
    /// padded image, `.blocked8`.
    public var levels: [Tensor]
    /// The image after resizing, before padding (height, width).
    public var resizedSize: (h: Int, w: Int)
    /// The padded network input (a multiple of `sizeDivisible`).
    public var paddedSize: (h: Int, w: Int)
    /// The input image (detections are reported in its pixels).
    public var originalSize: (h: Int, w: Int)
    /// Time spent in `transform` and `backbone`.
    public var timings: ModelTimings

    public init(levels: [Tensor], resizedSize: (h: Int, w: Int), paddedSize: (h: Int, w: Int),
                originalSize: (h: Int, w: Int), timings: ModelTimings) {
        self.levels = levels
        self.resizedSize = resizedSize
        self.paddedSize = paddedSize
        self.originalSize = originalSize
        self.timings = timings
    }

    /// P2…P5, the levels the RoI poolers and the semantic head read.
    public var pyramid: [Tensor] { Array(levels.prefix(4)) }
}

/// The output of `MaskRCNN.detect(_:)`.
public struct DetectionOutput: Sendable {
    /// Best first, in input-image pixels, each with its embedding.
    public var detections: [Detection]
    /// RPN proposals in resized-image pixels, best first.
    public var proposals: [Box]
    /// The semantic head's class per input pixel; nil without a semantic head.
    public var semantic: SemanticLabels?
    /// Time spent in the RPN, the RoI heads, the extra heads and postprocessing.
    public var timings: ModelTimings

    public init(detections: [Detection], proposals: [Box], semantic: SemanticLabels?, timings: ModelTimings) {
        self.detections = detections
        self.proposals = proposals
        self.semantic = semantic
        self.timings = timings
    }
}

/// Everything one forward pass produced, for tests and profiling.
public struct ForwardResult {
    public var resizedSize: (h: Int, w: Int)
    public var paddedSize: (h: Int, w: Int)
    /// P2…P5 and 'pool' (`.blocked8`).
    public var features: [Tensor]
    /// RPN proposals in resized-image pixels, best first.
    public var proposals: [Box]
    public var detections: [Detection]
    /// The semantic head's class per input pixel; nil without a semantic head.
    public var semantic: SemanticLabels?
    public var timings: ModelTimings
}
