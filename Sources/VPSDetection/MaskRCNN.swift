import Foundation
import VPSCheckpoint
import VPSCore
import VPSTensor

/// torchvision's Mask R-CNN, composed as `GeneralizedRCNN` composes it:
/// transform → backbone (ResNet body + FPN) → RPN → RoI heads → postprocess,
/// plus the optional track and semantic heads on the same FPN features.
///
/// The pass splits in two: `features(_:)` (transform, body, FPN) and
/// `detect(_:)` (everything after), so a pipeline can run them as stages.
public final class MaskRCNN: @unchecked Sendable {
    public let config: MaskRCNNConfig
    public let transform: ImageTransform
    let body: ResNetBody
    let fpn: FPN
    public let rpn: RegionProposalNetwork
    public let roiHeads: RoIHeads
    /// MaskTrack R-CNN's track head, when the config declares one.
    public let trackHead: TrackHead?
    /// The Panoptic-FPN semantic head, when the config declares one.
    public let semanticHead: SemanticHead?
    /// The learned temporal fusion head, when the config declares one; the
    /// `fuse` stage runs it between `features(_:)` and `detect(_:)`.
    public let fuseHead: FuseHead?
    /// The embeddings used without a track head.
    public let pooledEmbedding: PooledEmbedding

    /// Builds the model and loads `weights`, checking every tensor against
    /// the config (heads included: a head the config declares must be in the
    /// checkpoint, and head tensors the config does not declare are
    /// unexpected). Throws `CheckpointError.mismatches` listing each problem.
    public init(config: MaskRCNNConfig, weights: StateDict) throws {
        try config.validate()
        self.config = config
        let r = ParameterReader(weights, batchNormEps: config.backbone.batchNormEps)
        let p = Parts(config: config, reader: r)
        transform = ImageTransform(config: config.transform)
        (body, fpn, rpn, roiHeads, trackHead, semanticHead, fuseHead) =
            (p.body, p.fpn, p.rpn, p.roiHeads, p.trackHead, p.semanticHead, p.fuseHead)
        pooledEmbedding = PooledEmbedding(poolSize: config.roiHeads.boxPoolSize, samplingRatio: config.roiHeads.samplingRatio)
        try r.finish()
    }

    /// The name and shape of every parameter a checkpoint for `config` must
    /// hold (batch-norm `num_batches_tracked` counters aside), in build order.
    public static func expectedParameters(config: MaskRCNNConfig) throws -> [(name: String, shape: [Int])] {
        try config.validate()
        let r = ParameterReader(StateDict(), batchNormEps: config.backbone.batchNormEps)
        _ = Parts(config: config, reader: r)
        return r.expected
    }

    /// The parts that hold parameters, built in checkpoint order.
    private struct Parts {
        var body: ResNetBody, fpn: FPN, rpn: RegionProposalNetwork, roiHeads: RoIHeads
        var trackHead: TrackHead?, semanticHead: SemanticHead?, fuseHead: FuseHead?

        init(config: MaskRCNNConfig, reader r: ParameterReader) {
            let channels = config.backbone.fpnChannels
            body = ResNetBody(config: config.backbone, reader: r)
            fpn = FPN(inChannels: config.backbone.stageOutputChannels, outChannels: channels, reader: r)
            rpn = RegionProposalNetwork(config: config.rpn, anchors: config.anchors, channels: channels, reader: r)
            roiHeads = RoIHeads(config: config.roiHeads, numClasses: config.numClasses, channels: channels, reader: r)
            trackHead = config.trackHead.map {
                TrackHead(config: $0, channels: channels, samplingRatio: config.roiHeads.samplingRatio, reader: r)
            }
            semanticHead = config.semanticHead.map { SemanticHead(config: $0, channels: channels, reader: r) }
            fuseHead = config.fuseHead.map { FuseHead(config: $0, channels: channels, reader: r) }
        }
    }

    /// Whether embeddings come from a trained track head (else pooled features).
    public var hasTrackHead: Bool { trackHead != nil }
    /// Whether the model labels stuff.
    public var hasSemanticHead: Bool { semanticHead != nil }

    /// Detections for one RGB image: `Instance`s whose `category` is the
    /// class index into `MaskRCNNConfig.classNames` (torchvision's `labels`).
    /// - Parameters:
    ///   - scoreThreshold: overrides the config's box score threshold.
    ///   - masks: compute masks (only for the detections that are returned).
    public func callAsFunction(_ image: RGBImage, scoreThreshold: Float? = nil, masks: Bool = true) -> [Instance] {
        forward(image, scoreThreshold: scoreThreshold, masks: masks).detections
    }

    /// The full forward pass, keeping intermediate results: `features` then `detect`.
    public func forward(_ image: RGBImage, scoreThreshold: Float? = nil, masks: Bool = true) -> ForwardResult {
        let f = features(image)
        let d = detect(f, scoreThreshold: scoreThreshold, masks: masks)
        return ForwardResult(resizedSize: f.resizedSize, paddedSize: f.paddedSize, features: f.levels,
                             proposals: d.proposals, detections: d.detections, semantic: d.semantic,
                             timings: f.timings + d.timings)
    }

    /// The first half of the pass: transform (normalise, resize, pad), ResNet body and FPN.
    public func features(_ image: RGBImage) -> FeatureMaps {
        var t = ModelTimings()
        var clock = Clock()
        let (x, size) = transform(image)
        t.transform = clock.lap()
        let levels = fpn(body(x))
        t.backbone = clock.lap()
        return FeatureMaps(levels: levels, resizedSize: size, paddedSize: (h: x.h, w: x.w),
                           originalSize: (h: image.height, w: image.width), timings: t)
    }

    /// The second half: RPN, box and mask branches, embeddings (track head
    /// or pooled features) for every returned detection, and the semantic
    /// labels. `features` must come from this model.
    /// - Parameters:
    ///   - scoreThreshold: overrides the config's box score threshold.
    ///   - masks: compute masks (only for the detections that are returned).
    public func detect(_ features: FeatureMaps, scoreThreshold: Float? = nil, masks: Bool = true) -> DetectionOutput {
        var t = ModelTimings()
        var clock = Clock()
        let size = features.resizedSize
        let proposals = rpn(features.levels, imageSize: size, paddedSize: features.paddedSize)
        t.rpn = clock.lap()
        let levels = features.pyramid
        let found = roiHeads.detect(levels, proposals: proposals, imageSize: size, scoreThreshold: scoreThreshold)
        t.boxHead = clock.lap()
        let probs = masks ? roiHeads.masks(levels, boxes: found.boxes, labels: found.labels, imageSize: size) : []
        t.maskHead = clock.lap()
        let embeddings = self.embeddings(features, boxes: found.boxes)
        t.trackHead = clock.lap()
        let semantic = semanticHead.map { head in
            head.labels(logits: head.logits(levels), resizedSize: size, originalSize: features.originalSize)
        }
        t.semanticHead = clock.lap()
        // transform.postprocess: boxes back to the input size, masks pasted there.
        let (H, W) = features.originalSize
        // torchvision divides in float32; Detectron2's detector_postprocess in Python floats.
        let rh = config.roiHeads.clipAndDropEmptyBoxes ? Float(Double(H) / Double(size.h)) : Float(H) / Float(size.h)
        let rw = config.roiHeads.clipAndDropEmptyBoxes ? Float(Double(W) / Double(size.w)) : Float(W) / Float(size.w)
        let M = 2 * config.roiHeads.maskPoolSize
        let thr = Float(config.roiHeads.maskThreshold)
        var dets: [Instance] = []
        let rc = config.roiHeads
        for i in found.boxes.indices {
            let b = found.boxes[i]
            var box = VPSTensor.Box(b.x1 * rw, b.y1 * rh, b.x2 * rw, b.y2 * rh)
            if rc.clipAndDropEmptyBoxes {
                box = box.clipped(height: H, width: W)
                guard box.width > 0, box.height > 0 else { continue }
            }
            let mask: BinaryMask?
            switch (masks, rc.maskPaste) {
            case (false, _): mask = nil
            case (true, .torchvision):
                mask = MaskPaster.paste(probs[i], size: M, box: box, imageHeight: H, imageWidth: W, threshold: thr)
            case (true, .gridSample):
                mask = MaskPaster.pasteByGridSample(probs[i], size: M, box: box, imageHeight: H, imageWidth: W, threshold: thr)
            }
            dets.append(Instance(category: found.labels[i], score: Double(found.scores[i]), box: VPSCore.Box(box), mask: mask,
                                 embedding: embeddings[i]))
        }
        t.postprocess = clock.lap()
        return DetectionOutput(detections: dets, proposals: proposals, semantic: semantic, timings: t)
    }

    /// The embedding of each box (resized-image pixels, as `RoIHeads.detect`
    /// returns them): the track head's output, or without one the pooled,
    /// L2-normalised RoI features.
    public func embeddings(_ features: FeatureMaps, boxes: [VPSTensor.Box]) -> [[Float]] {
        if let trackHead { return trackHead(features.pyramid, boxes: boxes, imageSize: features.resizedSize) }
        return pooledEmbedding(features.pyramid, boxes: boxes, imageSize: features.resizedSize)
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
