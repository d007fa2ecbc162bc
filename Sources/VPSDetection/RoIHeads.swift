import Foundation
import VPSTensor

/// torchvision's `RoIHeads` at test time: MultiScaleRoIAlign → TwoMLPHead →
/// FastRCNNPredictor → postprocess (softmax, decode, clip, score threshold,
/// small-box removal, per-class NMS, top-k); then the mask branch
/// (MultiScaleRoIAlign → MaskRCNNHeads → MaskRCNNPredictor → sigmoid of the
/// predicted class).
public struct RoIHeads {
    public let config: RoIHeadsConfig
    public let numClasses: Int
    let boxPool: MultiScaleRoIAlign
    let maskPool: MultiScaleRoIAlign
    let fc6: Linear, fc7: Linear
    let clsScore: Linear, bboxPred: Linear
    let maskConvs: [Conv2d]
    let maskPredictor: MaskPredictor
    let coder: BoxCoder

    public init(config: RoIHeadsConfig, numClasses: Int, channels: Int, reader r: ParameterReader) {
        self.config = config
        self.numClasses = numClasses
        boxPool = config.pooler(outputSize: config.boxPoolSize)
        maskPool = config.pooler(outputSize: config.maskPoolSize)
        let rep = config.representationSize
        fc6 = r.linear("roi_heads.box_head.fc6", in: channels * config.boxPoolSize * config.boxPoolSize, out: rep, relu: true)
        fc7 = r.linear("roi_heads.box_head.fc7", in: rep, out: rep, relu: true)
        clsScore = r.linear("roi_heads.box_predictor.cls_score", in: rep, out: numClasses)
        bboxPred = r.linear("roi_heads.box_predictor.bbox_pred", in: rep, out: numClasses * 4)
        var c = channels
        var convs: [Conv2d] = []
        for (i, w) in config.maskLayers.enumerated() {
            convs.append(r.conv("roi_heads.mask_head.\(i).0", in: c, out: w, kernel: 3, padding: 1, relu: true))
            c = w
        }
        maskConvs = convs
        maskPredictor = MaskPredictor(channels: c, numClasses: numClasses, reader: r)
        coder = BoxCoder(weights: config.boxCoderWeights.map { Float($0) })
    }

    /// Detections in resized-image pixels, best first.
    public struct Boxes {
        public var boxes: [Box]
        public var scores: [Float]
        public var labels: [Int]
    }

    /// The box branch on `proposals` (resized-image pixels) over the 4 FPN levels P2…P5.
    public func detect(_ features: [Tensor], proposals: [Box], imageSize: (h: Int, w: Int),
                       scoreThreshold: Float? = nil) -> Boxes {
        // Pooled straight into fc6's input rows (torch's flatten order).
        let flat = boxPool(features, boxes: proposals, imageSize: imageSize, layout: .matrix)
        let h = fc7(fc6(flat))
        let logits = clsScore(h), deltas = bboxPred(h)
        return postprocess(logits: logits.data, deltas: deltas.data, proposals: proposals, imageSize: imageSize,
                           scoreThreshold: scoreThreshold)
    }

    /// torchvision's `postprocess_detections`: per proposal, class
    /// probabilities (PyTorch's softmax, see `Softmax`), the box of every
    /// class decoded from the proposal and clipped, then score threshold,
    /// small-box removal (sides < `minBoxSide`), per-class NMS and the top
    /// `detectionsPerImage`.
    /// - Parameters:
    ///   - logits: `[proposals.count, numClasses]`, row-major.
    ///   - deltas: `[proposals.count, numClasses · 4]`, row-major (dx, dy, dw, dh per class).
    ///   - lanes: the vector width of PyTorch's softmax sum to reproduce.
    public func postprocess(logits: UnsafePointer<Float>, deltas: UnsafePointer<Float>, proposals: [Box],
                            imageSize: (h: Int, w: Int), scoreThreshold: Float? = nil,
                            lanes: Int = Softmax.torchLanes) -> Boxes {
        Self.postprocess(config: config, numClasses: numClasses, logits: logits, deltas: deltas, proposals: proposals,
                         imageSize: imageSize, scoreThreshold: scoreThreshold, lanes: lanes)
    }

    /// `postprocess` for a head of `config` with `numClasses` classes (no parameters needed).
    public static func postprocess(config: RoIHeadsConfig, numClasses K: Int, logits: UnsafePointer<Float>,
                                   deltas: UnsafePointer<Float>, proposals: [Box], imageSize: (h: Int, w: Int),
                                   scoreThreshold: Float? = nil, lanes: Int = Softmax.torchLanes) -> Boxes {
        let coder = BoxCoder(weights: config.boxCoderWeights.map { Float($0) })
        var boxes: [Box] = [], scores: [Float] = [], labels: [Int] = []
        let thresh = scoreThreshold ?? Float(config.scoreThreshold)
        let minSide = Float(config.minBoxSide)
        var prob = [Float](repeating: 0, count: K)
        for i in proposals.indices {
            prob.withUnsafeMutableBufferPointer { Softmax.lastDim(logits + i * K, count: K, into: $0.baseAddress!, lanes: lanes) }
            let d = deltas + i * K * 4
            for j in 1..<K {
                let s = prob[j]
                guard s > thresh else { continue }
                let b = coder.decode(d[j * 4], d[j * 4 + 1], d[j * 4 + 2], d[j * 4 + 3], reference: proposals[i])
                    .clipped(height: imageSize.h, width: imageSize.w)
                guard b.width >= minSide, b.height >= minSide else { continue }
                boxes.append(b); scores.append(s); labels.append(j)
            }
        }
        let keep = NMS.batched(boxes, scores, categories: labels, iouThreshold: Float(config.nmsThreshold))
            .prefix(config.detectionsPerImage)
        return Boxes(boxes: keep.map { boxes[$0] }, scores: keep.map { scores[$0] }, labels: keep.map { labels[$0] })
    }

    /// Mask probabilities (`[K, M, M]`, M = 2·maskPoolSize, row-major) of each
    /// box for its label.
    public func masks(_ features: [Tensor], boxes: [Box], labels: [Int], imageSize: (h: Int, w: Int)) -> [[Float]] {
        if boxes.isEmpty { return [] }
        // Pad the batch to a multiple of 4 (with copies of the last box) so that
        // the mask head creates at most a few primitives, not one per count.
        let padded = boxes + [Box](repeating: boxes.last!, count: (4 - boxes.count % 4) % 4)
        var x = maskPool(features, boxes: padded, imageSize: imageSize, layout: .blocked8)
        for c in maskConvs { x = c(x) }
        return maskPredictor.probabilities(x, labels: labels)
    }

}

extension RoIHeadsConfig {
    /// The multi-level RoIAlign these settings describe, pooling `outputSize × outputSize`.
    public func pooler(outputSize: Int) -> MultiScaleRoIAlign {
        var p = MultiScaleRoIAlign(outputSize: outputSize, samplingRatio: samplingRatio)
        p.aligned = alignedRoIs
        p.eps = Float(levelEps)
        p.epsInsideLog = levelEpsInsideLog
        return p
    }
}
