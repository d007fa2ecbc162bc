import Foundation
import VPSTensor

/// torchvision's `AnchorGenerator`: per level, one size and several aspect
/// ratios; anchors are ordered by location (row-major) then by anchor.
public struct AnchorGenerator: Sendable {
    public var config: AnchorConfig
    public init(config: AnchorConfig) { self.config = config }

    public var anchorsPerLocation: Int { config.aspectRatios.count }

    /// Zero-centred anchors of one level: rounded half to even as
    /// torchvision does, or (`roundCellAnchors` false) Detectron2's
    /// w = √(size²/ratio), h = ratio·w, computed in Double.
    public func baseAnchors(size: Double) -> [Box] {
        if !config.roundCellAnchors {
            return config.aspectRatios.map { ar -> Box in
                let w = (size * size / ar).squareRoot(), h = ar * w
                return Box(Float(-w / 2), Float(-h / 2), Float(w / 2), Float(h / 2))
            }
        }
        let scale = Float(size)
        return config.aspectRatios.map { ar -> Box in
            let hr = Float(ar).squareRoot(), wr = 1 / hr
            let ws = wr * scale, hs = hr * scale
            return Box((-ws / 2).rounded(.toNearestOrEven), (-hs / 2).rounded(.toNearestOrEven),
                       (ws / 2).rounded(.toNearestOrEven), (hs / 2).rounded(.toNearestOrEven))
        }
    }

    /// Anchors for a feature map of `h × w` on a padded image of `imageH × imageW`.
    public func anchors(level: Int, featureH h: Int, featureW w: Int, imageH: Int, imageW: Int) -> [Box] {
        let base = baseAnchors(size: config.sizes[level])
        let fixed = config.strides.map { $0[level] }
        let sy = fixed ?? imageH / h, sx = fixed ?? imageW / w
        var out: [Box] = []
        out.reserveCapacity(h * w * base.count)
        for y in 0..<h {
            for x in 0..<w {
                let ox = Float(x * sx), oy = Float(y * sy)
                for b in base { out.append(Box(ox + b.x1, oy + b.y1, ox + b.x2, oy + b.y2)) }
            }
        }
        return out
    }
}

/// torchvision's `RPNHead` plus `RegionProposalNetwork.filter_proposals`.
public struct RegionProposalNetwork {
    public let config: RPNConfig
    public let anchorGenerator: AnchorGenerator
    let conv: Conv2d
    let cls: Conv2d
    let bbox: Conv2d
    let coder = BoxCoder(weights: [1, 1, 1, 1])

    public init(config: RPNConfig, anchors: AnchorConfig, channels: Int, reader r: ParameterReader, prefix: String = "rpn.head") {
        self.config = config
        anchorGenerator = AnchorGenerator(config: anchors)
        let a = anchors.aspectRatios.count
        conv = r.conv("\(prefix).conv.0.0", in: channels, out: channels, kernel: 3, padding: 1, relu: true)
        cls = r.conv("\(prefix).cls_logits", in: channels, out: a, kernel: 1)
        bbox = r.conv("\(prefix).bbox_pred", in: channels, out: 4 * a, kernel: 1)
    }

    /// Proposals (x1, y1, x2, y2 in resized-image pixels), best first.
    /// - Parameters:
    ///   - features: the 5 FPN levels (NHWC or `.blocked8`).
    ///   - imageSize: resized, unpadded size (boxes are clipped to it).
    ///   - paddedSize: the padded tensor size (anchor strides come from it).
    public func callAsFunction(_ features: [Tensor], imageSize: (h: Int, w: Int), paddedSize: (h: Int, w: Int)) -> [Box] {
        let A = anchorGenerator.anchorsPerLocation
        var boxes: [Box] = [], scores: [Float] = [], levels: [Int] = []
        for (l, f) in features.enumerated() {
            let t = conv(f)
            // NHWC, so objectness and deltas read in torchvision's (H, W, A) order.
            let obj = cls(t).converted(to: .nhwc), deltas = bbox(t).converted(to: .nhwc)
            let anchors = anchorGenerator.anchors(level: l, featureH: f.h, featureW: f.w, imageH: paddedSize.h, imageW: paddedSize.w)
            let n = f.h * f.w * A
            precondition(anchors.count == n)
            // Top-n by raw objectness within the level (descending, ties by index).
            let o = obj.data
            let d = deltas.data
            for i in TopK.indices(o, count: n, k: config.preNMSTopN) {
                let b = coder.decode(d[i * 4], d[i * 4 + 1], d[i * 4 + 2], d[i * 4 + 3], reference: anchors[i])
                boxes.append(b)
                scores.append(config.nmsOnLogits ? o[i] : 1 / (1 + exp(-o[i])))
                levels.append(l)
            }
        }
        var kb: [Box] = [], ks: [Float] = [], kl: [Int] = []
        let minSize = Float(config.minSize), thresh = Float(config.scoreThreshold)
        let exclusive = config.minSizeExclusive
        for i in boxes.indices {
            let b = boxes[i].clipped(height: imageSize.h, width: imageSize.w)
            let big = exclusive ? b.width > minSize && b.height > minSize : b.width >= minSize && b.height >= minSize
            let probability = config.nmsOnLogits ? 1 / (1 + exp(-scores[i])) : scores[i]
            guard big, probability >= thresh else { continue }
            kb.append(b); ks.append(scores[i]); kl.append(levels[i])
        }
        let keep = NMS.batched(kb, ks, categories: kl, iouThreshold: Float(config.nmsThreshold))
        return keep.prefix(config.postNMSTopN).map { kb[$0] }
    }

}
