import CVBridge
import VPSCore

/// Warping by a motion field.
///
/// Both functions are backward warps (`BackwardWarp`): the output at p is the
/// input sampled at p + flow(p), bilinearly. With the flow *from* the current
/// frame *to* the previous one, this brings the previous frame's content into
/// the current frame's geometry. Border rule: samples that fall outside the
/// input take the nearest edge value (replicated border), so nothing is
/// invented at the edges and no zeros leak in. Engine tensors at a feature
/// stride are warped by `FeatureWarp` (VPSDetection).
public enum Warp {
    /// Warps every channel of a C×H×W tensor. The flow must have the tensor's H×W
    /// (use `FlowField.resampled(width:height:)` first).
    public static func warp(_ tensor: CHWTensor, by flow: FlowField) throws -> CHWTensor {
        guard flow.width == tensor.width, flow.height == tensor.height else {
            throw VPSError.internalFailure("flow is \(flow.width)x\(flow.height) but the tensor is \(tensor.width)x\(tensor.height)")
        }
        let w = tensor.width, h = tensor.height, plane = w * h
        var out = [Float](repeating: 0, count: tensor.data.count)
        tensor.data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                BackwardWarp.forEachBilinear(flow, xs: 0..<w, ys: 0..<h) { x, y, t in
                    let i = y * w + x
                    let i00 = t.y0 * w + t.x0, i01 = t.y0 * w + t.x1, i10 = t.y1 * w + t.x0, i11 = t.y1 * w + t.x1
                    var base = 0
                    for _ in 0..<tensor.channels {
                        dst[base + i] = t.w00 * src[base + i00] + t.w01 * src[base + i01]
                            + t.w10 * src[base + i10] + t.w11 * src[base + i11]
                        base += plane
                    }
                }
            }
        }
        return CHWTensor(channels: tensor.channels, height: h, width: w, data: out)
    }

    /// Warps an RGB image with OpenCV's remap (same sampling and border rule).
    public static func warp(_ image: RGBImage, by flow: FlowField) throws -> RGBImage {
        guard flow.width == image.width, flow.height == image.height else {
            throw VPSError.internalFailure("flow is \(flow.width)x\(flow.height) but the image is \(image.width)x\(image.height)")
        }
        var out = [UInt8](repeating: 0, count: image.pixels.count)
        var err = [CChar](repeating: 0, count: 256)
        let rc = image.pixels.withUnsafeBufferPointer { s in
            flow.data.withUnsafeBufferPointer { f in
                out.withUnsafeMutableBufferPointer { d in
                    vps_remap_rgb(s.baseAddress, Int32(image.width), Int32(image.height), f.baseAddress, d.baseAddress, &err, err.count)
                }
            }
        }
        guard rc == 0 else { throw VPSError.internalFailure("remap failed: \(String(cString: err))") }
        return RGBImage(width: image.width, height: image.height, pixels: out)
    }
}
