import CDNNL
import Foundation

/// A fully connected layer (torch `nn.Linear`) on oneDNN's inner product,
/// with optional fused ReLU.
///
/// Input and output are `.matrix` tensors: `[rows, inFeatures]` →
/// `[rows, outFeatures]`. The weight is given in torch's layout
/// `[outFeatures, inFeatures]` and reordered once.
public final class Linear: @unchecked Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    public let relu: Bool
    private let packer: WeightPacker
    private let biasBuffer: AlignedBuffer
    private var plans: [Int: ComputePlan] = [:]
    private let lock = NSLock()

    public init(inFeatures: Int, outFeatures: Int, relu: Bool = false, weight: [Float], bias: [Float]?) {
        precondition(weight.count == inFeatures * outFeatures, "linear weight has \(weight.count) values, expected \(outFeatures)x\(inFeatures)")
        precondition(bias == nil || bias!.count == outFeatures, "linear bias must have \(outFeatures) values")
        self.inFeatures = inFeatures; self.outFeatures = outFeatures; self.relu = relu
        packer = WeightPacker(plain: MemoryDesc([outFeatures, inFeatures], dnnl_oi), values: weight)
        biasBuffer = AlignedBuffer(byteCount: outFeatures * 4)
        if let bias { bias.withUnsafeBytes { biasBuffer.raw.copyMemory(from: $0.baseAddress!, byteCount: outFeatures * 4) } }
    }

    /// `[rows, inFeatures]` → `[rows, outFeatures]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.layout == .matrix && x.shape[1] == inFeatures, "Linear expects [rows, \(inFeatures)], got \(x.shape)")
        let rows = x.shape[0]
        let out = Tensor(shape: [rows, outFeatures], layout: .matrix, zeroed: false)
        if rows == 0 { return out }
        lock.lock(); defer { lock.unlock() }
        plan(rows).run(x.data, out.data)
        return out
    }

    private func plan(_ rows: Int) -> ComputePlan {
        if let p = plans[rows] { return p }
        let src = MemoryDesc([rows, inFeatures], dnnl_nc)
        let dst = MemoryDesc([rows, outFeatures], dnnl_nc)
        let weiAny = MemoryDesc([outFeatures, inFeatures], dnnl_format_tag_any)
        let bia = MemoryDesc([outFeatures], dnnl_x)
        var d = dnnl_inner_product_desc_t()
        withUnsafePointer(to: src.md) { s in withUnsafePointer(to: weiAny.md) { wd in
            withUnsafePointer(to: bia.md) { b in withUnsafePointer(to: dst.md) { o in
                dnnlCheck(dnnl_inner_product_forward_desc_init(&d, dnnl_forward_inference, s, wd, b, o), "inner_product_desc_init")
            } } } }
        let prim = withUnsafePointer(to: d) { DNNLPrimitive(opDesc: $0, postOps: PostOps(relu: relu), name: "inner_product") }
        let weiDesc = prim.queryMD(dnnl_query_weights_md)
        let packed = packer.packed(for: weiDesc)
        let p = ComputePlan(prim: prim, src: DNNLMemory(src), dst: DNNLMemory(dst),
                     wei: DNNLMemory(weiDesc, handle: packed.raw), bia: DNNLMemory(bia, handle: biasBuffer.raw), weights: packed)
        plans[rows] = p
        return p
    }
}
