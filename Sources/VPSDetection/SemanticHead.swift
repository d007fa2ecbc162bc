import Foundation
import VPSCore
import VPSTensor

/// Detectron2's `SemSegFPNHead` (Panoptic FPN, `norm="GN"`) at inference,
/// plus `sem_seg_postprocess` and the per-pixel argmax.
///
/// For each of P2…P5 (stride s = 4, 8, 16, 32): max(1, log2 s − log2 4)
/// blocks of a bias-free 3×3 conv, GroupNorm and ReLU, each followed by 2×
/// bilinear upsampling (align_corners = false) when s ≠ 4. The four maps are
/// summed, a 1×1 predictor gives the class logits at stride 4, which are
/// upsampled ×4 to the padded input, cropped to the resized image and
/// resized to the input image (bilinear, align_corners = false).
///
/// Parameters, as in Detectron2 checkpoints (Sequential indices count the
/// upsampling modules, so P4's blocks are 0 and 2):
/// `sem_seg_head.p{2…5}.{k}.weight` (`[convDims, in, 3, 3]`),
/// `sem_seg_head.p{2…5}.{k}.norm.weight` and `.norm.bias` (`[convDims]`),
/// `sem_seg_head.predictor.weight` (`[classes, convDims, 1, 1]`) and `.bias`.
/// Activations stay `.blocked8` from the FPN through the predictor.
public struct SemanticHead {
    public let config: SemanticHeadConfig
    struct Block {
        var conv: Conv2d
        var norm: GroupNorm
        var upsample: Bool
    }
    let chains: [[Block]]
    let predictor: Conv2d

    /// Number of semantic classes ('things' included).
    public var numClasses: Int { config.classNames.count }

    init(config: SemanticHeadConfig, channels: Int, reader r: ParameterReader) {
        self.config = config
        let dims = config.convDims
        let common = Int(log2(Double(config.commonStride)))
        var chains: [[Block]] = []
        for level in 2...5 {
            let upsample = level != common
            var blocks: [Block] = []
            for k in 0..<max(1, level - common) {
                let name = "sem_seg_head.p\(level).\(upsample ? 2 * k : k)"
                let cin = k == 0 ? channels : dims
                let conv = Conv2d(inChannels: cin, outChannels: dims, kernel: 3, padding: 1,
                                  weight: r.take(name + ".weight", [dims, cin, 3, 3]), bias: nil)
                let norm = GroupNorm(groups: config.groupNormGroups, channels: dims, relu: true,
                                     weight: r.take(name + ".norm.weight", [dims]), bias: r.take(name + ".norm.bias", [dims]))
                blocks.append(Block(conv: conv, norm: norm, upsample: upsample))
            }
            chains.append(blocks)
        }
        self.chains = chains
        predictor = r.conv("sem_seg_head.predictor", in: dims, out: config.classNames.count, kernel: 1)
    }

    /// The class logits at stride 4 (`[1, classes, H/4, W/4]` of the padded
    /// image, `.blocked8`) from P2…P5 (`.blocked8`).
    public func logits(_ levels: [Tensor]) -> Tensor {
        precondition(levels.count >= chains.count, "the semantic head needs P2…P5")
        var sum: Tensor?
        for (chain, feature) in zip(chains, levels) {
            var x = feature
            for b in chain {
                x = b.conv(x)
                b.norm.apply(to: x)
                if b.upsample { x = Resize.bilinear(x, height: 2 * x.h, width: 2 * x.w) }
            }
            if let s = sum {
                precondition(s.shape == x.shape && s.layout == x.layout, "semantic head levels do not line up")
                let a = s.data, b = x.data
                for i in 0..<s.count { a[i] += b[i] }
            } else {
                sum = x
            }
        }
        return predictor(sum!)
    }

    /// The class of each pixel of the input image: the stride-4 `logits`
    /// upsampled ×commonStride, cropped to `resizedSize`, resized to
    /// `originalSize`, then argmax (the first class on ties, as torch).
    public func labels(logits: Tensor, resizedSize: (h: Int, w: Int), originalSize: (h: Int, w: Int)) -> LabelMap {
        let K = logits.c, h4 = logits.h, w4 = logits.w
        let planar = logits.converted(to: .nchw)
        let s = config.commonStride
        // ×s upsampling, only the rows and columns the crop keeps.
        let (rh, rw) = (min(resizedSize.h, s * h4), min(resizedSize.w, s * w4))
        let cropped = UnsafeMutablePointer<Float>.allocate(capacity: K * rh * rw)
        defer { cropped.deallocate() }
        Resize.bilinearPlanar(planar.data, planes: K, inH: h4, inW: w4,
                              rows: Resize.LinearTaps(input: h4, output: s * h4).prefix(rh),
                              columns: Resize.LinearTaps(input: w4, output: s * w4).prefix(rw), into: cropped)
        let (H, W) = originalSize
        let full = UnsafeMutablePointer<Float>.allocate(capacity: K * H * W)
        defer { full.deallocate() }
        Resize.bilinearPlanar(cropped, planes: K, inH: rh, inW: rw, outH: H, outW: W, into: full)
        var classes = [Int32](repeating: 0, count: H * W)
        for p in 0..<H * W {
            var best = full[p], arg = 0
            for k in 1..<K where full[k * H * W + p] > best { best = full[k * H * W + p]; arg = k }
            classes[p] = Int32(arg)
        }
        return LabelMap(width: W, height: H, labels: classes)
    }

    /// Multiply-adds for a padded input of `h × w` with `channels` FPN channels.
    func macs(paddedHeight h: Int, paddedWidth w: Int, channels: Int) -> Double {
        var total = 0.0
        for (i, chain) in chains.enumerated() {
            var (lh, lw) = (h >> (i + 2), w >> (i + 2))
            for (k, _) in chain.enumerated() {
                let cin = k == 0 ? channels : config.convDims
                total += Double(cin * 9 * config.convDims * lh * lw)
                (lh, lw) = (2 * lh, 2 * lw)
            }
        }
        return total + Double(config.convDims * numClasses * (h / 4) * (w / 4))
    }
}
