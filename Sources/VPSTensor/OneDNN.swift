import CDNNL
import Foundation

/// Failures of the oneDNN library. These indicate an internal problem (an
/// unsupported shape or a library fault), never bad user input.
/// The worker threads oneDNN's primitives run on (its OpenMP runtime).
public enum EngineThreads {
    /// Sets them for every primitive run from now on (n ≥ 1).
    public static func set(_ n: Int) { omp_set_num_threads(Int32(n)) }
    /// The number the next primitive will use.
    public static var count: Int { Int(omp_get_max_threads()) }
}

public struct DNNLError: Error, CustomStringConvertible {
    public let call: String
    public let status: dnnl_status_t
    public var description: String { "oneDNN \(call) failed with status \(status.rawValue)" }
}

@inline(__always)
func dnnlCheck(_ status: dnnl_status_t, _ call: @autoclosure () -> String) {
    // A failing oneDNN call here means the engine asked for something the
    // library cannot do; that is a programming error, not an input error.
    if status != dnnl_success { fatalError("\(DNNLError(call: call(), status: status))") }
}

/// The process-wide oneDNN CPU engine and stream.
///
/// oneDNN runs on OpenMP; `OMP_NUM_THREADS` sets its thread count.
public final class DNNLContext: @unchecked Sendable {
    public static let shared = DNNLContext()
    let engine: dnnl_engine_t
    let stream: dnnl_stream_t

    private init() {
        var e: dnnl_engine_t?
        dnnlCheck(dnnl_engine_create(&e, dnnl_cpu, 0), "engine_create")
        engine = e!
        var s: dnnl_stream_t?
        dnnlCheck(dnnl_stream_create(&s, engine, dnnl_stream_default_flags.rawValue), "stream_create")
        stream = s!
    }
}

extension TensorLayout {
    /// The oneDNN format tag of a 4-D layout.
    var dnnlTag: dnnl_format_tag_t {
        switch self {
        case .nchw: return dnnl_nchw
        case .nhwc: return dnnl_nhwc
        case .blocked8: return dnnl_nChw8c
        case .matrix: return dnnl_nc
        }
    }
}

/// A memory descriptor with the usual constructors.
struct MemoryDesc {
    var md = dnnl_memory_desc_t()

    init(_ dims: [Int], _ tag: dnnl_format_tag_t, _ type: dnnl_data_type_t = dnnl_f32) {
        let d = dims.map { Int64($0) }
        dnnlCheck(dnnl_memory_desc_init_by_tag(&md, Int32(d.count), d, type, tag), "memory_desc_init_by_tag \(dims)")
    }

    init(raw: dnnl_memory_desc_t) { md = raw }

    var byteSize: Int { withUnsafePointer(to: md) { dnnl_memory_desc_get_size($0) } }

    func equals(_ other: MemoryDesc) -> Bool {
        withUnsafePointer(to: md) { a in withUnsafePointer(to: other.md) { b in dnnl_memory_desc_equal(a, b) != 0 } }
    }
}

/// A oneDNN memory object bound to a caller-owned buffer (the handle is
/// rebound before each execution).
final class DNNLMemory {
    let mem: dnnl_memory_t
    let desc: MemoryDesc

    init(_ desc: MemoryDesc, handle: UnsafeMutableRawPointer? = nil) {
        self.desc = desc
        var m: dnnl_memory_t?
        withUnsafePointer(to: desc.md) { p in
            dnnlCheck(dnnl_memory_create(&m, p, DNNLContext.shared.engine, handle), "memory_create")
        }
        mem = m!
    }

    func bind(_ p: UnsafeMutableRawPointer) {
        dnnlCheck(dnnl_memory_set_data_handle(mem, p), "memory_set_data_handle")
    }

    deinit { dnnl_memory_destroy(mem) }
}

/// A byte buffer with 64-byte alignment, for weights in oneDNN's own formats.
final class AlignedBuffer {
    let raw: UnsafeMutableRawPointer
    let byteCount: Int
    init(byteCount: Int) {
        self.byteCount = byteCount
        raw = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 64), alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 64))
    }
    deinit { raw.deallocate() }
}

/// A created primitive plus the descriptors it was created with.
final class DNNLPrimitive {
    let pd: dnnl_primitive_desc_t
    let prim: dnnl_primitive_t

    /// Creates the primitive from an op descriptor (passed as a raw pointer).
    init(opDesc: UnsafeRawPointer, postOps: PostOps = PostOps(), fpmathBF16: Bool = false, name: String) {
        var attr: dnnl_primitive_attr_t?
        dnnlCheck(dnnl_primitive_attr_create(&attr), "primitive_attr_create")
        defer { dnnl_primitive_attr_destroy(attr) }
        if postOps.sum || postOps.relu {
            var po: dnnl_post_ops_t?
            dnnlCheck(dnnl_post_ops_create(&po), "post_ops_create")
            defer { dnnl_post_ops_destroy(po) }
            if postOps.sum { dnnlCheck(dnnl_post_ops_append_sum(po, 1), "post_ops_append_sum") }
            if postOps.relu { dnnlCheck(dnnl_post_ops_append_eltwise(po, 1, dnnl_eltwise_relu, 0, 0), "append_eltwise") }
            dnnlCheck(dnnl_primitive_attr_set_post_ops(attr, po), "attr_set_post_ops")
        }
        var p: dnnl_primitive_desc_t?
        dnnlCheck(dnnl_primitive_desc_create(&p, opDesc, attr, DNNLContext.shared.engine, nil), "primitive_desc_create (\(name))")
        pd = p!
        var q: dnnl_primitive_t?
        dnnlCheck(dnnl_primitive_create(&q, pd), "primitive_create (\(name))")
        prim = q!
    }

    /// Creates a reorder between two descriptors.
    init(reorderFrom src: MemoryDesc, to dst: MemoryDesc) {
        let engine = DNNLContext.shared.engine
        var p: dnnl_primitive_desc_t?
        withUnsafePointer(to: src.md) { s in
            withUnsafePointer(to: dst.md) { d in
                dnnlCheck(dnnl_reorder_primitive_desc_create(&p, s, engine, d, engine, nil), "reorder_primitive_desc_create")
            }
        }
        pd = p!
        var q: dnnl_primitive_t?
        dnnlCheck(dnnl_primitive_create(&q, pd), "primitive_create (reorder)")
        prim = q!
    }

    func queryMD(_ what: dnnl_query_t) -> MemoryDesc {
        MemoryDesc(raw: dnnl_primitive_desc_query_md(pd, what, 0)!.pointee)
    }

    /// The implementation oneDNN chose, e.g. `brgconv:avx512_core`.
    var implementation: String {
        var s: UnsafePointer<CChar>?
        _ = dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &s)
        return s.map { String(cString: $0) } ?? "?"
    }

    func execute(_ args: [(Int32, dnnl_memory_t)]) {
        let a = args.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1) }
        let ctx = DNNLContext.shared
        dnnlCheck(dnnl_primitive_execute(prim, ctx.stream, Int32(a.count), a), "primitive_execute")
        dnnlCheck(dnnl_stream_wait(ctx.stream), "stream_wait")
    }

    deinit {
        dnnl_primitive_destroy(prim)
        dnnl_primitive_desc_destroy(pd)
    }
}

/// Operations fused after a convolution or inner product: first `sum`
/// (accumulate into what the destination already holds), then `relu`.
struct PostOps: Hashable {
    var sum = false
    var relu = false
}

enum DNNLArg {
    static let src = vps_dnnl_arg_src()
    static let dst = vps_dnnl_arg_dst()
    static let weights = vps_dnnl_arg_weights()
    static let bias = vps_dnnl_arg_bias()
    static let from = vps_dnnl_arg_from()
    static let to = vps_dnnl_arg_to()
}

/// Reorders `src` (plain, caller's buffer) into a new buffer in the layout `dst`.
func reorder(_ src: UnsafeRawPointer, from srcDesc: MemoryDesc, to dstDesc: MemoryDesc) -> AlignedBuffer {
    let out = AlignedBuffer(byteCount: dstDesc.byteSize)
    let r = DNNLPrimitive(reorderFrom: srcDesc, to: dstDesc)
    let a = DNNLMemory(srcDesc, handle: UnsafeMutableRawPointer(mutating: src))
    let b = DNNLMemory(dstDesc, handle: out.raw)
    r.execute([(DNNLArg.from, a.mem), (DNNLArg.to, b.mem)])
    return out
}

/// A primitive with its memories: source and destination are rebound on
/// every call; packed weights and bias stay bound.
final class ComputePlan {
    let prim: DNNLPrimitive
    let src: DNNLMemory, dst: DNNLMemory, wei: DNNLMemory, bia: DNNLMemory
    let weights: AlignedBuffer

    init(prim: DNNLPrimitive, src: DNNLMemory, dst: DNNLMemory, wei: DNNLMemory, bia: DNNLMemory, weights: AlignedBuffer) {
        self.prim = prim; self.src = src; self.dst = dst; self.wei = wei; self.bia = bia; self.weights = weights
    }

    func run(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        src.bind(UnsafeMutableRawPointer(x))
        dst.bind(UnsafeMutableRawPointer(y))
        prim.execute([(DNNLArg.src, src.mem), (DNNLArg.weights, wei.mem), (DNNLArg.bias, bia.mem), (DNNLArg.dst, dst.mem)])
    }
}

/// Weights in torch's plain layout, reordered once into each layout a
/// primitive asks for (normally just one).
final class WeightPacker {
    let plain: MemoryDesc
    let values: [Float]
    private var packed: [(MemoryDesc, AlignedBuffer)] = []

    init(plain: MemoryDesc, values: [Float]) { self.plain = plain; self.values = values }

    func packed(for desc: MemoryDesc) -> AlignedBuffer {
        if let hit = packed.first(where: { $0.0.equals(desc) }) { return hit.1 }
        let buf = values.withUnsafeBytes { reorder($0.baseAddress!, from: plain, to: desc) }
        packed.append((desc, buf))
        return buf
    }
}
