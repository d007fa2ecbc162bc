import Foundation
import VPSCheckpoint
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
    public var postprocess: Double = 0
    public var total: Double { transform + backbone + rpn + boxHead + maskHead + postprocess }
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
    public var timings: ModelTimings
}

/// torchvision's Mask R-CNN, composed as `GeneralizedRCNN` composes it:
/// transform → backbone (ResNet body + FPN) → RPN → RoI heads → postprocess.
public final class MaskRCNN: @unchecked Sendable {
    public let config: MaskRCNNConfig
    public let transform: ImageTransform
    let body: ResNetBody
    let fpn: FPN
    public let rpn: RegionProposalNetwork
    public let roiHeads: RoIHeads

    /// Builds the model and loads `weights`, checking every tensor against
    /// the config. Throws `CheckpointError.mismatches` listing each problem.
    public init(config: MaskRCNNConfig, weights: StateDict) throws {
        try config.validate()
        self.config = config
        let r = ParameterReader(weights, batchNormEps: config.backbone.batchNormEps)
        transform = ImageTransform(config: config.transform)
        body = ResNetBody(config: config.backbone, reader: r)
        fpn = FPN(inChannels: config.backbone.stageOutputChannels, outChannels: config.backbone.fpnChannels, reader: r)
        rpn = RegionProposalNetwork(config: config.rpn, anchors: config.anchors, channels: config.backbone.fpnChannels, reader: r)
        roiHeads = RoIHeads(config: config.roiHeads, numClasses: config.numClasses, channels: config.backbone.fpnChannels, reader: r)
        try r.finish()
    }

    /// Detections for one RGB image.
    /// - Parameters:
    ///   - scoreThreshold: overrides the config's box score threshold.
    ///   - masks: compute masks (only for the detections that are returned).
    public func callAsFunction(_ image: RGBImage, scoreThreshold: Float? = nil, masks: Bool = true) -> [Detection] {
        forward(image, scoreThreshold: scoreThreshold, masks: masks).detections
    }

    /// The full forward pass, keeping intermediate results.
    public func forward(_ image: RGBImage, scoreThreshold: Float? = nil, masks: Bool = true) -> ForwardResult {
        var t = ModelTimings()
        var clock = Clock()
        let (x, size) = transform(image)
        t.transform = clock.lap()
        let features = fpn(body(x))
        t.backbone = clock.lap()
        let padded = (h: x.h, w: x.w)
        let proposals = rpn(features, imageSize: size, paddedSize: padded)
        t.rpn = clock.lap()
        let levels = Array(features.prefix(4))
        let found = roiHeads.detect(levels, proposals: proposals, imageSize: size, scoreThreshold: scoreThreshold)
        t.boxHead = clock.lap()
        let probs = masks ? roiHeads.masks(levels, boxes: found.boxes, labels: found.labels, imageSize: size) : []
        t.maskHead = clock.lap()
        // transform.postprocess: boxes back to the input size, masks pasted there.
        let rh = Float(image.height) / Float(size.h), rw = Float(image.width) / Float(size.w)
        let M = 2 * config.roiHeads.maskPoolSize
        let thr = Float(config.roiHeads.maskThreshold)
        var dets: [Detection] = []
        for i in found.boxes.indices {
            let b = found.boxes[i]
            let box = Box(b.x1 * rw, b.y1 * rh, b.x2 * rw, b.y2 * rh)
            let mask = masks ? MaskPaster.paste(probs[i], size: M, box: box, imageHeight: image.height,
                                                imageWidth: image.width, threshold: thr) : nil
            dets.append(Detection(box: box, label: found.labels[i], score: found.scores[i], mask: mask))
        }
        t.postprocess = clock.lap()
        return ForwardResult(resizedSize: size, paddedSize: padded, features: features, proposals: proposals,
                             detections: dets, timings: t)
    }

    /// Multiply-adds of the backbone and FPN for a padded input of `h × w`.
    public func backboneMACs(paddedHeight h: Int, paddedWidth w: Int) -> Double {
        var total = 0.0
        // Walk the body at its strides: stem /2, pool /4, stages /4 /8 /16 /32.
        let stem = body.stem
        var (ch, cw) = stem.outputSize(h: h, w: w)
        total += Double(stem.macsPerOutput * stem.outChannels * ch * cw)
        (ch, cw) = body.pool.outputSize(h: ch, w: cw)
        var levelSizes: [(Int, Int)] = []
        for stage in body.stages {
            for block in stage {
                let inH = ch, inW = cw
                for c in block.convs {
                    (ch, cw) = c.outputSize(h: ch, w: cw)
                    total += Double(c.macsPerOutput * c.outChannels * ch * cw)
                }
                if let d = block.downsample {
                    let o = d.outputSize(h: inH, w: inW)
                    total += Double(d.macsPerOutput * d.outChannels * o.h * o.w)
                }
            }
            levelSizes.append((ch, cw))
        }
        for (i, s) in levelSizes.enumerated() {
            total += Double(fpn.inner[i].macsPerOutput * fpn.inner[i].outChannels * s.0 * s.1)
            total += Double(fpn.layer[i].macsPerOutput * fpn.layer[i].outChannels * s.0 * s.1)
        }
        return total
    }
}

/// Wall-clock laps.
struct Clock {
    private var last = DispatchTime.now().uptimeNanoseconds
    mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { last = now }
        return Double(now - last) / 1e9
    }
}
