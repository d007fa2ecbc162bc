import Foundation
import VPSCore
import VPSTensor

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
    /// Best first, in input-image pixels, each with its embedding; `category`
    /// is the class index into `MaskRCNNConfig.classNames`.
    public var detections: [Instance]
    /// RPN proposals in resized-image pixels, best first.
    public var proposals: [VPSTensor.Box]
    /// The semantic head's class per input pixel; nil without a semantic head.
    public var semantic: LabelMap?
    /// Time spent in the RPN, the RoI heads, the extra heads and postprocessing.
    public var timings: ModelTimings

    public init(detections: [Instance], proposals: [VPSTensor.Box], semantic: LabelMap?, timings: ModelTimings) {
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
    public var proposals: [VPSTensor.Box]
    public var detections: [Instance]
    /// The semantic head's class per input pixel; nil without a semantic head.
    public var semantic: LabelMap?
    public var timings: ModelTimings
}

extension VPSCore.Box {
    /// The data path's box with the engine box's corners (Float32 widens exactly).
    public init(_ b: VPSTensor.Box) {
        self.init(x1: Double(b.x1), y1: Double(b.y1), x2: Double(b.x2), y2: Double(b.y2))
    }
}
