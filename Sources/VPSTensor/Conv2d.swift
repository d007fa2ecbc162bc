import CDNNL
import Foundation

/// A 2-D convolution (or transposed convolution) on oneDNN, with bias and
/// optional fused residual add and ReLU.
///
/// Inputs may be NCHW, NHWC or `.blocked8`; outputs are in `outputLayout`
/// (`.blocked8` by default, what oneDNN's AVX2 kernels prefer). Weights are given once in torch's layout
/// (OIHW for a convolution, IOHW for a transposed one) and reordered into
/// oneDNN's preferred blocked layout the first time a shape is seen. A
/// primitive is created once per input shape and reused.
public final class Conv2d: @unchecked Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public let dilation: Int
    /// A transposed convolution (torch `ConvTranspose2d`).
    public let transposed: Bool
    /// ReLU applied after bias (and after the residual, if any).
    public let relu: Bool
    /// Layout of the tensors `callAsFunction` returns.
    public let outputLayout: TensorLayout
    /// Multiply-adds per output element, for FLOP accounting.
    public var macsPerOutput: Int { inChannels * kernel * kernel }

    private let packer: WeightPacker
    private let biasBuffer: AlignedBuffer
    private var plans: [PlanKey: ComputePlan] = [:]
    private let lock = NSLock()

    private struct PlanKey: Hashable { var n, h, w: Int; var sum: Bool; var src, dst: TensorLayout }

    /// - Parameters:
    ///   - weight: OIHW (`transposed == false`) or IOHW (`transposed == true`), `out·in·k·k` values.
    ///   - bias: `outChannels` values, or nil for none.
    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, transposed: Bool = false, relu: Bool = false,
                outputLayout: TensorLayout = .blocked8, weight: [Float], bias: [Float]?) {
        precondition(weight.count == inChannels * outChannels * kernel * kernel,
                     "conv weight has \(weight.count) values, expected \(outChannels)x\(inChannels)x\(kernel)x\(kernel)")
        precondition(bias == nil || bias!.count == outChannels, "conv bias must have \(outChannels) values")
        self.inChannels = inChannels; self.outChannels = outChannels; self.kernel = kernel
        self.stride = stride; self.padding = padding; self.dilation = dilation
        self.transposed = transposed; self.relu = relu
        precondition(outputLayout != .matrix, "Conv2d outputs a 4-D layout")
        self.outputLayout = outputLayout
        packer = WeightPacker(plain: MemoryDesc([outChannels, inChannels, kernel, kernel], transposed ? dnnl_iohw : dnnl_oihw),
                              values: weight)
        biasBuffer = AlignedBuffer(byteCount: outChannels * 4)
        if let bias { bias.withUnsafeBytes { biasBuffer.raw.copyMemory(from: $0.baseAddress!, byteCount: outChannels * 4) } }
    }

    /// Output height and width for an input of `h × w`.
    public func outputSize(h: Int, w: Int) -> (h: Int, w: Int) {
        let ek = dilation * (kernel - 1) + 1
        if transposed { return ((h - 1) * stride - 2 * padding + ek, (w - 1) * stride - 2 * padding + ek) }
        return ((h + 2 * padding - ek) / stride + 1, (w + 2 * padding - ek) / stride + 1)
    }

    /// Applies the layer; returns a new tensor in `outputLayout`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let (oh, ow) = outputSize(h: x.h, w: x.w)
        let out = Tensor(shape: [x.n, outChannels, oh, ow], layout: outputLayout, zeroed: false)
        run(x, out, sum: false)
        return out
    }

    /// `out = act(out + conv(x) + bias)`: the destination already holds the
    /// residual (the output's shape, any 4-D layout) and is updated in place.
    public func forward(_ x: Tensor, accumulatingInto out: Tensor) {
        run(x, out, sum: true)
    }

    /// The oneDNN implementation chosen for an input of this shape (for verbose reports).
    public func implementation(n: Int, h: Int, w: Int) -> String {
        lock.lock(); defer { lock.unlock() }
        return plan(PlanKey(n: n, h: h, w: w, sum: false, src: .nhwc, dst: outputLayout)).prim.implementation
    }

    private func run(_ x: Tensor, _ out: Tensor, sum: Bool) {
        precondition(x.layout != .matrix && out.layout != .matrix, "Conv2d works on 4-D tensors")
        precondition(x.c == inChannels, "Conv2d expects \(inChannels) input channels, got \(x.c)")
        let (oh, ow) = outputSize(h: x.h, w: x.w)
        precondition(out.shape == [x.n, outChannels, oh, ow], "Conv2d output shape \(out.shape) != \([x.n, outChannels, oh, ow])")
        if x.count == 0 || out.count == 0 { return }
        lock.lock(); defer { lock.unlock() }
        plan(PlanKey(n: x.n, h: x.h, w: x.w, sum: sum, src: x.layout, dst: out.layout)).run(x.data, out.data)
    }

    private func plan(_ key: PlanKey) -> ComputePlan {
        if let p = plans[key] { return p }
        let (oh, ow) = outputSize(h: key.h, w: key.w)
        let src = MemoryDesc([key.n, inChannels, key.h, key.w], key.src.dnnlTag)
        let dst = MemoryDesc([key.n, outChannels, oh, ow], key.dst.dnnlTag)
        let weiAny = MemoryDesc([outChannels, inChannels, kernel, kernel], dnnl_format_tag_any)
        let bia = MemoryDesc([outChannels], dnnl_x)
        let strides = [Int64(stride), Int64(stride)]
        let dil = [Int64(dilation - 1), Int64(dilation - 1)]
        let pad = [Int64(padding), Int64(padding)]
        let post = PostOps(sum: key.sum, relu: relu)
        let prim: DNNLPrimitive
        if transposed {
            var d = dnnl_deconvolution_desc_t()
            withUnsafePointer(to: src.md) { s in withUnsafePointer(to: weiAny.md) { wd in
                withUnsafePointer(to: bia.md) { b in withUnsafePointer(to: dst.md) { o in
                    dnnlCheck(dnnl_dilated_deconvolution_forward_desc_init(&d, dnnl_forward_inference, dnnl_deconvolution_direct,
                                                                          s, wd, b, o, strides, dil, pad, pad), "deconvolution_desc_init")
                } } } }
            prim = withUnsafePointer(to: d) { DNNLPrimitive(opDesc: $0, postOps: post, name: "deconvolution") }
        } else {
            var d = dnnl_convolution_desc_t()
            withUnsafePointer(to: src.md) { s in withUnsafePointer(to: weiAny.md) { wd in
                withUnsafePointer(to: bia.md) { b in withUnsafePointer(to: dst.md) { o in
                    dnnlCheck(dnnl_dilated_convolution_forward_desc_init(&d, dnnl_forward_inference, dnnl_convolution_direct,
                                                                        s, wd, b, o, strides, dil, pad, pad), "convolution_desc_init")
                } } } }
            prim = withUnsafePointer(to: d) { DNNLPrimitive(opDesc: $0, postOps: post, name: "convolution") }
        }
        let weiDesc = prim.queryMD(dnnl_query_weights_md)
        let packed = packer.packed(for: weiDesc)
        let p = ComputePlan(prim: prim,
                     src: DNNLMemory(prim.queryMD(dnnl_query_src_md)),
                     dst: DNNLMemory(prim.queryMD(dnnl_query_dst_md)),
                     wei: DNNLMemory(weiDesc, handle: packed.raw),
                     bia: DNNLMemory(bia, handle: biasBuffer.raw),
                     weights: packed)
        plans[key] = p
        return p
    }
}
