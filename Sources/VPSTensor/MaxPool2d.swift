import CDNNL
import Foundation

/// 2-D max pooling on 4-D tensors (output in the input's layout) (torch `max_pool2d` with floor mode),
/// on oneDNN. Padding counts as −∞, as in torch.
public final class MaxPool2d: @unchecked Sendable {
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    private var plans: [String: (DNNLPrimitive, DNNLMemory, DNNLMemory)] = [:]
    private let lock = NSLock()

    public init(kernel: Int, stride: Int, padding: Int = 0) {
        self.kernel = kernel; self.stride = stride; self.padding = padding
    }

    public func outputSize(h: Int, w: Int) -> (h: Int, w: Int) {
        ((h + 2 * padding - kernel) / stride + 1, (w + 2 * padding - kernel) / stride + 1)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.layout != .matrix, "MaxPool2d works on 4-D tensors")
        let (oh, ow) = outputSize(h: x.h, w: x.w)
        let out = Tensor(shape: [x.n, x.c, oh, ow], layout: x.layout, zeroed: false)
        if out.count == 0 { return out }
        lock.lock(); defer { lock.unlock() }
        let key = "\(x.shape) \(x.layout)"
        let plan: (DNNLPrimitive, DNNLMemory, DNNLMemory)
        if let p = plans[key] { plan = p } else {
            let src = MemoryDesc(x.shape, x.layout.dnnlTag)
            let dst = MemoryDesc(out.shape, x.layout.dnnlTag)
            var d = dnnl_pooling_v2_desc_t()
            let k = [Int64(kernel), Int64(kernel)], s = [Int64(stride), Int64(stride)]
            let dil: [Int64] = [0, 0], pad = [Int64(padding), Int64(padding)]
            withUnsafePointer(to: src.md) { a in withUnsafePointer(to: dst.md) { b in
                dnnlCheck(dnnl_pooling_v2_forward_desc_init(&d, dnnl_forward_inference, dnnl_pooling_max, a, b, s, k, dil, pad, pad), "pooling_desc_init")
            } }
            let prim = withUnsafePointer(to: d) { DNNLPrimitive(opDesc: $0, name: "pooling") }
            plan = (prim, DNNLMemory(src), DNNLMemory(dst))
            plans[key] = plan
        }
        plan.1.bind(UnsafeMutableRawPointer(x.data))
        plan.2.bind(UnsafeMutableRawPointer(out.data))
        plan.0.execute([(DNNLArg.src, plan.1.mem), (DNNLArg.dst, plan.2.mem)])
        return out
    }
}
