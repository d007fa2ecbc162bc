import Foundation
import VPSCore
import VPSTensor

/// Temporal fusion of feature pyramids: one frame's features combined with
/// an earlier frame's, brought into the current geometry by the motion map.
/// `CosineFusion` (training-free) and `FuseHead` (learned) are the two.
public protocol FeatureFusion {
    /// One level: `current` fused with the earlier frame's level warped into
    /// this frame (`FeatureWarp`; its `valid` says where the sample lay
    /// inside the frame). Same shape and layout as `current`.
    func fuse(level current: Tensor, warped: FeatureWarp.Result) -> Tensor
}

extension FeatureFusion {
    /// `current` fused with `previous` (an earlier frame's features from the
    /// same model at the same size), brought into the current frame by
    /// `flow`: the motion map (current → previous) in pixels of the resized
    /// image (`FeatureMaps.resizedSize`), every level warped at its stride.
    /// Maps of different sizes are not fused: `current` comes back unchanged.
    public func fuse(_ current: FeatureMaps, with previous: FeatureMaps, flow: FlowField) -> FeatureMaps {
        guard current.paddedSize == previous.paddedSize, current.levels.count == previous.levels.count else { return current }
        var out = current
        out.levels = zip(current.levels, previous.levels).map { cur, prev in
            fuse(level: cur, warped: FeatureWarp.warp(prev, stride: current.stride(of: cur), by: flow))
        }
        return out
    }
}

/// Training-free temporal fusion of feature pyramids: FGFA's aggregation
/// rule with the features themselves as embeddings.
///
/// Per level and cell, the current features F_t and the earlier frame's
/// features warped into the current geometry, W = warp(F_{t−1}), are
/// weighted by a softmax over {current, warped} of τ·cos(F_t, ·): the
/// current frame's own cosine is 1, so the warped features get
/// w = 1 / (1 + exp(τ·(1 − cos(F_t, W)))) and the current ones 1 − w. A cell
/// whose warped sample fell outside the frame keeps the current features,
/// as does a cell where either vector is zero.
public struct CosineFusion: FeatureFusion, Sendable, Equatable {
    /// τ: how sharply the weight falls as the warped features disagree.
    public var temperature: Float

    public init(temperature: Float = 10) {
        self.temperature = temperature
    }

    /// (1 − w)·current + w·warped per cell, w from the cosine of the two.
    public func fuse(level current: Tensor, warped result: FeatureWarp.Result) -> Tensor {
        let warped = result.features, valid = result.valid
        precondition(current.shape == warped.shape && current.layout == warped.layout, "fused maps differ in shape")
        let out = Tensor(shape: current.shape, layout: current.layout)
        let (groups, groupStride, pixelStride, lanes) = current.lanes
        let a = current.data, b = warped.data, o = out.data
        memcpy(o, a, current.count * MemoryLayout<Float>.stride)
        let tau = temperature
        for p in 0..<(current.h * current.w) where valid[p] != 0 {
            var dot: Float = 0, na: Float = 0, nb: Float = 0
            for g in 0..<groups {
                let base = g * groupStride + p * pixelStride
                for k in 0..<lanes {
                    let x = a[base + k], y = b[base + k]
                    dot += x * y; na += x * x; nb += y * y
                }
            }
            guard na > 0, nb > 0 else { continue }
            let cosine = dot / (na.squareRoot() * nb.squareRoot())
            let w = 1 / (1 + expf(tau * (1 - cosine)))
            for g in 0..<groups {
                let base = g * groupStride + p * pixelStride
                for k in 0..<lanes { o[base + k] = (1 - w) * a[base + k] + w * b[base + k] }
            }
        }
        return out
    }
}

extension FeatureMaps {
    /// The stride of `level` (one of `levels`) in pixels of the resized
    /// image: the power of two nearest to the padded width ÷ the level's
    /// (P6 of a width that 64 does not divide has ⌈W/64⌉ cells, still stride 64).
    public func stride(of level: Tensor) -> Int {
        1 << max(0, Int(log2(Double(paddedSize.w) / Double(max(1, level.w))).rounded()))
    }

    /// These features carried to a later frame by `flow` (that frame → this
    /// one, in pixels of the resized image): every level warped
    /// (`FeatureWarp`), a cell whose sample falls outside the frame reading
    /// the nearest border cell.
    public func carried(by flow: FlowField) -> FeatureMaps {
        var out = self
        out.levels = levels.map { FeatureWarp.warp($0, stride: stride(of: $0), by: flow, clampInvalid: true).features }
        return out
    }
}

extension Tensor {
    /// The layout as groups of contiguous lanes: element (c, y, x) of a
    /// [1, C, H, W] tensor is at group · groupStride + (y·W + x) · pixelStride + lane.
    var lanes: (groups: Int, groupStride: Int, pixelStride: Int, lanes: Int) {
        switch layout {
        case .nchw: return (c, h * w, 1, 1)
        case .nhwc: return (1, 0, c, c)
        case .blocked8: return ((c + 7) / 8, h * w * 8, 8, 8)
        case .matrix: preconditionFailure("a 4-D feature map, not a matrix")
        }
    }
}
