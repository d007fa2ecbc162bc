import VPSCore
import VPSTensor

/// Warps a feature map of the engine by a motion field, for temporal feature
/// fusion: the previous frame's features are brought into the current frame's
/// geometry before they are fused with the current frame's.
///
/// It lives in VPSDetection because it joins the engine's `Tensor`
/// (VPSTensor, which depends on no other vps module) with `FlowField` and
/// `BackwardWarp` (VPSCore), and because fusion, its user, is a part of the
/// model like the other heads.
public enum FeatureWarp {
    /// A warped feature map and where its samples came from inside the frame.
    public struct Result {
        /// The warped features: same shape and layout as the input; zeros where invalid.
        public let features: Tensor
        /// Row-major H×W: 1 where the sample point lay inside the frame, 0 where outside.
        public let valid: [UInt8]
    }

    /// Backward-warps `features` ([1, C, H, W] in `.nchw`, `.nhwc` or
    /// `.blocked8`, at `stride` pixels per cell) by `flow`, a field at frame
    /// resolution (frame t → t−1, in frame pixels) whose frame is the top-left
    /// `flow.width`×`flow.height` pixels of the image the features were
    /// computed from (the rest, if any, is padding).
    ///
    /// The flow is brought to the feature grid with `FlowField.atStride`
    /// (sampled at each cell's centre, divided by `stride`); the features are
    /// then sampled bilinearly at cell + flow (`BackwardWarp.bilinear`, the
    /// position clamped to the grid). A sample point outside the frame's
    /// pixel centres, [0, flow.width − 1]×[0, flow.height − 1] in frame
    /// pixels, is invalid: its output is zero and `valid` says 0.
    public static func warp(_ features: Tensor, stride: Int, by flow: FlowField) -> Result {
        precondition(features.shape.count == 4 && features.n == 1, "FeatureWarp takes one [1, C, H, W] feature map")
        let C = features.c, H = features.h, W = features.w
        // Layout as groups of contiguous lanes: element (c, y, x) is at
        // group · groupStride + (y·W + x) · pixelStride + lane.
        let groups: Int, groupStride: Int, pixelStride: Int, lanes: Int
        switch features.layout {
        case .nchw: (groups, groupStride, pixelStride, lanes) = (C, H * W, 1, 1)
        case .nhwc: (groups, groupStride, pixelStride, lanes) = (1, 0, C, C)
        case .blocked8: (groups, groupStride, pixelStride, lanes) = ((C + 7) / 8, H * W * 8, 8, 8)
        case .matrix: preconditionFailure("FeatureWarp takes a 4-D feature map, not a matrix")
        }
        let out = Tensor(shape: features.shape, layout: features.layout)
        var valid = [UInt8](repeating: 0, count: H * W)
        let level = flow.atStride(stride, width: W, height: H)
        // The frame's first and last pixel centres, in cells of the grid.
        let s = Float(stride)
        let lo = 0.5 / s - 0.5, hiX = (Float(flow.width) - 0.5) / s - 0.5, hiY = (Float(flow.height) - 0.5) / s - 0.5
        let src = features.data, dst = out.data
        level.data.withUnsafeBufferPointer { f in
            for y in 0..<H {
                for x in 0..<W {
                    let p = y * W + x
                    let sx = Float(x) + f[2 * p], sy = Float(y) + f[2 * p + 1]
                    guard BackwardWarp.contains(sx, sy, x0: lo, y0: lo, x1: hiX, y1: hiY) else { continue }
                    valid[p] = 1
                    let t = BackwardWarp.bilinear(sx, sy, width: W, height: H)
                    let a = (t.y0 * W + t.x0) * pixelStride, b = (t.y0 * W + t.x1) * pixelStride
                    let c = (t.y1 * W + t.x0) * pixelStride, d = (t.y1 * W + t.x1) * pixelStride
                    for g in 0..<groups {
                        let base = g * groupStride, o = base + p * pixelStride
                        for k in 0..<lanes {
                            dst[o + k] = t.w00 * src[base + a + k] + t.w01 * src[base + b + k]
                                + t.w10 * src[base + c + k] + t.w11 * src[base + d + k]
                        }
                    }
                }
            }
        }
        return Result(features: out, valid: valid)
    }
}
