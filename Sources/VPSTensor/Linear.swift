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
    private let weight: [Float]
    private let biasBuffer: AlignedBuffer
    private var plans: [Int: Plan] = [:]
    private var packedWeights: [(MemoryDesc, AlignedBuffer)] = []
    private let lock = NSLock()

    private final class Plan {
        let prim: DNNLPrimitive
        let src: DNNLMemory, dst: DNNLMemory, wei: DNNLMemory, bia: DNNLMemory
        let weights: AlignedBuffer
        init(prim: DNNLPrimitive, src: DNNLMemory, dst: DNNLMemory, wei: DNNLMemory, bia: DNNLMemory, weights: AlignedBuffer) {
            self.prim = prim; self.src = src; self.dst = dst; self.wei = wei; self.bia = bia; self.weights = weights
        }
    }

    public init(inFeatures: Int, outFeatures: Int, relu: Bool = false, weight: [Float], bias: [Float]?) {
        precondition(weight.count == inFeatures * outFeatures, "linear weight has \(weight.count) values, expected \(outFeatures)x\(inFeatures)")
        precondition(bias == nil || bias!.count == outFeatures, "linear bias must have \(outFeatures) values")
        self.inFeatures = inFeatures; self.outFeatures = outFeatures; self.relu = relu
        self.weight = weight
        biasBuffer = AlignedBuffer(byteCount: outFeatures * 4)
        if let bias { bias.withUnsafeBytes { biasBuffer.raw.copyMemory(from: $0.baseAddress!, byteCount: outFeatures * 4) } }
    }

    /// `[rows, inFeatures]` → `[rows, outFeatures]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.layout == .matrix && x.shape[1] == inFeatures, "Linear expects [rows, \(inFeatures)], got \(x.shape)")
        let rows = x.shape[0]
        let out = Tensor(shape: [rows, outFeatures], layout: .matrix)
        if rows == 0 { return out }
        lock.lock(); defer { lock.unlock() }
        let p = plan(rows)
        p.src.bind(UnsafeMutableRawPointer(x.data))
        p.dst.bind(UnsafeMutableRawPointer(out.data))
        p.prim.execute([(DNNLArg.src, p.src.mem), (DNNLArg.weights, p.wei.mem),
                        (DNNLArg.bias, p.bia.mem), (DNNLArg.dst, p.dst.mem)])
        return out
    }

    private func plan(_ rows: Int) -> Plan {
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
        let packed: AlignedBuffer
        if let hit = packedWeights.first(where: { $0.0.equals(weiDesc) }) {
            packed = hit.1
        } else {
            let plain = MemoryDesc([outFeatures, inFeatures], dnnl_oi)
            packed = weight.withUnsafeBytes { reorder($0.baseAddress!, from: plain, to: weiDesc) }
            packedWeights.append((weiDesc, packed))
        }
        let p = Plan(prim: prim, src: DNNLMemory(src), dst: DNNLMemory(dst),
                     wei: DNNLMemory(weiDesc, handle: packed.raw), bia: DNNLMemory(bia, handle: biasBuffer.raw), weights: packed)
        plans[rows] = p
        return p
    }
}
