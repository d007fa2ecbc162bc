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
    let deconv: UpConv2x2
    let maskLogits: Conv2d
    let coder: BoxCoder

    public init(config: RoIHeadsConfig, numClasses: Int, channels: Int, reader r: ParameterReader) {
        self.config = config
        self.numClasses = numClasses
        boxPool = MultiScaleRoIAlign(outputSize: config.boxPoolSize, samplingRatio: config.samplingRatio)
        maskPool = MultiScaleRoIAlign(outputSize: config.maskPoolSize, samplingRatio: config.samplingRatio)
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
        deconv = UpConv2x2(prefix: "roi_heads.mask_predictor.conv5_mask", channels: c, reader: r)
        maskLogits = r.conv("roi_heads.mask_predictor.mask_fcn_logits", in: c, out: numClasses, kernel: 1)
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
        let pooled = boxPool(features, boxes: proposals, imageSize: imageSize, layout: .nchw)
        let flat = Tensor(shape: [proposals.count, pooled.count / max(proposals.count, 1)], layout: .matrix)
        flat.data.update(from: pooled.data, count: pooled.count)
        let h = fc7(fc6(flat))
        let logits = clsScore(h), deltas = bboxPred(h)
        let K = numClasses
        var boxes: [Box] = [], scores: [Float] = [], labels: [Int] = []
        let thresh = scoreThreshold ?? Float(config.scoreThreshold)
        var prob = [Float](repeating: 0, count: K)
        for i in 0..<proposals.count {
            let row = logits.data + i * K
            var m = -Float.infinity
            for j in 0..<K { m = max(m, row[j]) }
            var sum: Float = 0
            for j in 0..<K { prob[j] = exp(row[j] - m); sum += prob[j] }
            let d = deltas.data + i * K * 4
            for j in 1..<K {
                let s = prob[j] / sum
                guard s > thresh else { continue }
                let b = coder.decode(d[j * 4], d[j * 4 + 1], d[j * 4 + 2], d[j * 4 + 3], reference: proposals[i])
                    .clipped(height: imageSize.h, width: imageSize.w)
                guard b.width >= 1e-2, b.height >= 1e-2 else { continue }
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
        x = maskLogits(deconv(x))
        let M = x.h
        return labels.enumerated().map { i, label in
            var m = [Float](repeating: 0, count: M * M)
            for y in 0..<M { for xx in 0..<M { m[y * M + xx] = 1 / (1 + exp(-x[i, label, y, xx])) } }
            return m
        }
    }

}

/// torchvision's `ConvTranspose2d(c, c, 2, stride=2)` + ReLU, computed as a
/// 1×1 convolution to 4c channels (one per output sub-pixel) followed by a
/// pixel shuffle: out[o, 2y+ky, 2x+kx] = relu(b[o] + Σᵢ in[i, y, x]·W[i, o, ky, kx]).
/// Same sums as the transposed convolution, but on oneDNN's fast 1×1 kernel.
struct UpConv2x2 {
    let conv: Conv2d
    let channels: Int

    init(prefix: String, channels c: Int, reader r: ParameterReader) {
        channels = c
        let w = r.take(prefix + ".weight", [c, c, 2, 2])  // IOHW
        let b = r.take(prefix + ".bias", [c])
        var w1 = [Float](repeating: 0, count: 4 * c * c)
        var b1 = [Float](repeating: 0, count: 4 * c)
        for o in 0..<c {
            for t in 0..<4 {
                b1[o * 4 + t] = b[o]
                for i in 0..<c { w1[(o * 4 + t) * c + i] = w[(i * c + o) * 4 + t] }
            }
        }
        conv = Conv2d(inChannels: c, outChannels: 4 * c, kernel: 1, relu: true, weight: w1, bias: b1)
    }

    /// `[K, c, H, W]` → `[K, c, 2H, 2W]`, both `.blocked8`.
    func callAsFunction(_ x: Tensor) -> Tensor {
        let y = conv(x)
        precondition(y.layout == .blocked8)
        let (K, H, W, c) = (x.n, x.h, x.w, channels)
        let out = Tensor(shape: [K, c, 2 * H, 2 * W], layout: .blocked8)
        let inBlocks = (4 * c + 7) / 8, outBlocks = (c + 7) / 8
        let src = y.data, dst = out.data
        DispatchQueue.concurrentPerform(iterations: K) { n in
            for o in 0..<c {
                let ob = dst + ((n * outBlocks + (o >> 3)) * 2 * H * 2 * W) * 8 + (o & 7)
                for t in 0..<4 {
                    let q = o * 4 + t, ky = t >> 1, kx = t & 1
                    let ib = src + ((n * inBlocks + (q >> 3)) * H * W) * 8 + (q & 7)
                    for yy in 0..<H {
                        let orow = ob + ((2 * yy + ky) * 2 * W + kx) * 8
                        let irow = ib + yy * W * 8
                        for xx in 0..<W { orow[xx * 16] = irow[xx * 8] }
                    }
                }
            }
        }
        return out
    }
}
