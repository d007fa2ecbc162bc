import Foundation
import VPSCore
import VPSTensor

/// The learned temporal fusion head, in the spirit of VPSNet's fuse module
/// (warp, temporal attention, residual into every level).
///
/// Per level (P2…P6, one set of weights for all): the previous frame's
/// features are warped into the current frame (`FeatureWarp`, W); an
/// EDVR-style temporal attention a = sigmoid(Σₑ embed(F)ₑ · embed(W)ₑ) is
/// computed per cell from 1×1 embeddings of both frames; a 3×3 conv over the
/// concatenation [F, a·W] gives a residual r, and the output is F + r. A cell
/// whose warped sample fell outside the frame keeps F. Its PyTorch reference
/// is `FuseHead` in `scripts/vps_heads.py`; `scripts/train.py --fuse-head`
/// trains it on a frozen model.
///
/// Parameters: `fuse_head.embed.weight` (`[E, C, 1, 1]`) and `.bias` (`[E]`),
/// `fuse_head.fuse.weight` (`[C, 2C, 3, 3]`, input channels 0..<C read the
/// current features, C..<2C the attended warped ones) and `.bias` (`[C]`).
public struct FuseHead: FeatureFusion {
    public let config: FuseHeadConfig
    let embed: Conv2d
    /// `fuse_head.fuse` split along its input channels: the current half (with the bias) …
    let fuseCurrent: Conv2d
    /// … and the warped half, accumulated into the first's output.
    let fuseWarped: Conv2d

    /// Takes the head's parameters from `r` for `c`-channel FPN levels.
    public init(config: FuseHeadConfig, channels c: Int, reader r: ParameterReader) {
        self.config = config
        embed = r.conv("fuse_head.embed", in: c, out: config.embedDims, kernel: 1)
        let w = r.take("fuse_head.fuse.weight", [c, 2 * c, 3, 3]), bias = r.take("fuse_head.fuse.bias", [c])
        let per = c * 9
        var current = [Float](), warped = [Float]()
        current.reserveCapacity(c * per)
        warped.reserveCapacity(c * per)
        for o in 0..<c {
            current += w[(2 * o) * per..<(2 * o + 1) * per]
            warped += w[(2 * o + 1) * per..<(2 * o + 2) * per]
        }
        fuseCurrent = Conv2d(inChannels: c, outChannels: c, kernel: 3, padding: 1, weight: current, bias: bias)
        fuseWarped = Conv2d(inChannels: c, outChannels: c, kernel: 3, padding: 1, weight: warped, bias: nil)
    }

    /// One level (`.blocked8`): `current` + valid · fuse([current, a · warped]).
    public func fuse(level current: Tensor, warped result: FeatureWarp.Result) -> Tensor {
        let warped = result.features, valid = result.valid
        precondition(current.shape == warped.shape && current.layout == .blocked8 && warped.layout == .blocked8,
                     "FuseHead fuses .blocked8 maps of one shape")
        let cells = current.h * current.w
        let ec = embed(current), ew = embed(warped)
        let e = ec.lanes, l = warped.lanes
        let a = ec.data, b = ew.data, x = warped.data
        for p in 0..<cells {
            var dot: Float = 0
            for g in 0..<e.groups {
                let base = g * e.groupStride + p * e.pixelStride
                for k in 0..<e.lanes { dot += a[base + k] * b[base + k] }
            }
            let attention = 1 / (1 + expf(-dot))
            for g in 0..<l.groups {
                let base = g * l.groupStride + p * l.pixelStride
                for k in 0..<l.lanes { x[base + k] *= attention }
            }
        }
        let out = fuseCurrent(current)
        fuseWarped.forward(warped, accumulatingInto: out)
        let f = current.data, o = out.data
        for p in 0..<cells {
            let keep: Float = valid[p] != 0 ? 1 : 0
            for g in 0..<l.groups {
                let base = g * l.groupStride + p * l.pixelStride
                for k in 0..<l.lanes { o[base + k] = f[base + k] + keep * o[base + k] }
            }
        }
        return out
    }
}
