import CVBridge
import VPSCore

/// Warping by a motion field.
///
/// Both functions are backward warps: the output at p is the input sampled at
/// p + flow(p), bilinearly. With the flow *from* the current frame *to* the
/// previous one, this brings the previous frame's content (or features) into
/// the current frame's geometry. Border rule: samples that fall outside the
/// input take the nearest edge value (replicated border), so nothing is
/// invented at the edges and no zeros leak in.
public enum Warp {
    /// Warps every channel of a C×H×W tensor. The flow must have the tensor's H×W
    /// (use `FlowField.resampled(width:height:)` or `downsampled(stride:)` first).
    public static func warp(_ tensor: CHWTensor, by flow: FlowField) throws -> CHWTensor {
        guard flow.width == tensor.width, flow.height == tensor.height else {
            throw VPSError.internalFailure("flow is \(flow.width)x\(flow.height) but the tensor is \(tensor.width)x\(tensor.height)")
        }
        let w = tensor.width, h = tensor.height, plane = w * h
        var out = [Float](repeating: 0, count: tensor.data.count)
        tensor.data.withUnsafeBufferPointer { src in
            flow.data.withUnsafeBufferPointer { f in
                out.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<h {
                        for x in 0..<w {
                            let i = y * w + x
                            let sx = min(max(Float(x) + f[2 * i], 0), Float(w - 1))
                            let sy = min(max(Float(y) + f[2 * i + 1], 0), Float(h - 1))
                            let x0 = Int(sx), y0 = Int(sy)
                            let x1 = min(x0 + 1, w - 1), y1 = min(y0 + 1, h - 1)
                            let ax = sx - Float(x0), ay = sy - Float(y0)
                            let w00 = (1 - ax) * (1 - ay), w01 = ax * (1 - ay), w10 = (1 - ax) * ay, w11 = ax * ay
                            let i00 = y0 * w + x0, i01 = y0 * w + x1, i10 = y1 * w + x0, i11 = y1 * w + x1
                            var base = 0
                            for _ in 0..<tensor.channels {
                                dst[base + i] = w00 * src[base + i00] + w01 * src[base + i01]
                                    + w10 * src[base + i10] + w11 * src[base + i11]
                                base += plane
                            }
                        }
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
