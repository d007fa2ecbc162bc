import Foundation

/// Memory layout of a 4-D activation tensor, or a plain 2-D matrix.
public enum TensorLayout: String, Sendable, Codable {
    /// Channels-first: `data[((n * C + c) * H + y) * W + x]` (torchvision's convention).
    case nchw
    /// Channels-last: `data[((n * H + y) * W + x) * C + c]` (what oneDNN prefers; used inside the model).
    case nhwc
    /// oneDNN's `nChw8c`: channels in blocks of 8, each block stored NHWC-like:
    /// `data[(((n * Cb + c / 8) * H + y) * W + x) * 8 + c % 8]`, Cb = ⌈C/8⌉;
    /// padding channels hold zeros. What oneDNN's AVX2 kernels run fastest on.
    case blocked8
    /// Row-major 2-D matrix `rows × cols`: `data[r * cols + c]`.
    case matrix
}

/// A dense Float32 tensor that owns its memory.
///
/// The buffer is 64-byte aligned, zero-filled at creation (unless an engine
/// op that overwrites every element asks otherwise) and handed back to
/// `BufferPool` when the tensor is released. `shape` is always the logical shape: `[N, C, H, W]`
/// for `.nchw` and `.nhwc`, `[rows, cols]` for `.matrix`; `layout` says how
/// the elements lie in memory.
public final class Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let layout: TensorLayout
    /// Number of stored elements (including `.blocked8` padding channels).
    public let count: Int
    /// The elements; valid only while the tensor is alive (keep a reference,
    /// or use `array`, when reading from a temporary).
    public let data: UnsafeMutablePointer<Float>

    /// Size of the buffer in bytes (a multiple of 64).
    private let byteCount: Int

    /// A zero-filled tensor.
    public convenience init(shape: [Int], layout: TensorLayout) {
        self.init(shape: shape, layout: layout, zeroed: true)
    }

    /// A tensor whose elements are zeros (`zeroed`) or unspecified, for
    /// outputs that the caller overwrites entirely (oneDNN primitives write
    /// every element, `.blocked8` padding included).
    init(shape: [Int], layout: TensorLayout, zeroed: Bool) {
        switch layout {
        case .nchw, .nhwc, .blocked8: precondition(shape.count == 4, "4-D layout needs a 4-D shape, got \(shape)")
        case .matrix: precondition(shape.count == 2, "matrix layout needs a 2-D shape, got \(shape)")
        }
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.layout = layout
        if layout == .blocked8 {
            self.count = shape[0] * ((shape[1] + 7) / 8) * 8 * shape[2] * shape[3]
        } else {
            self.count = shape.reduce(1, *)
        }
        byteCount = (max(count, 1) * MemoryLayout<Float>.stride + 63) / 64 * 64
        let (raw, _) = BufferPool.shared.take(byteCount: byteCount)
        if zeroed { raw.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount) }
        self.data = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// A tensor holding a copy of `values` (which must have `shape.reduce(1,*)` elements).
    public convenience init(shape: [Int], layout: TensorLayout, values: [Float]) {
        self.init(shape: shape, layout: layout)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    deinit { BufferPool.shared.give(UnsafeMutableRawPointer(data), byteCount: byteCount) }

    /// The elements as an array (a copy), in memory order.
    public var array: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// Batch, channels, height, width of a 4-D tensor, whatever its layout.
    public var n: Int { shape[0] }
    public var c: Int { shape[1] }
    public var h: Int { shape[2] }
    public var w: Int { shape[3] }

    /// Element (n, c, y, x) of a 4-D tensor, in either layout.
    @inlinable
    public subscript(n: Int, c: Int, y: Int, x: Int) -> Float {
        get { data[offset(n, c, y, x)] }
        set { data[offset(n, c, y, x)] = newValue }
    }

    @inlinable
    public func offset(_ n: Int, _ c: Int, _ y: Int, _ x: Int) -> Int {
        switch layout {
        case .nchw: return ((n * shape[1] + c) * shape[2] + y) * shape[3] + x
        case .nhwc: return ((n * shape[2] + y) * shape[3] + x) * shape[1] + c
        case .blocked8: return ((((n * ((shape[1] + 7) >> 3) + (c >> 3)) * shape[2] + y) * shape[3] + x) << 3) + (c & 7)
        case .matrix: preconditionFailure("4-D index into a matrix")
        }
    }

    /// A copy in another 4-D layout, or `self` if already in `target`.
    public func converted(to target: TensorLayout) -> Tensor {
        if target == layout { return self }
        precondition(layout != .matrix && target != .matrix, "layout conversion is for 4-D tensors")
        let out = Tensor(shape: shape, layout: target)
        let (N, C, H, W) = (shape[0], shape[1], shape[2], shape[3])
        let hw = H * W
        if layout == .blocked8 && target == .nhwc {
            // Block by block: 8 contiguous channels per position.
            let blocks = (C + 7) / 8
            for b in 0..<N {
                for cb in 0..<blocks {
                    let lanes = min(8, C - 8 * cb)
                    let src = data + (b * blocks + cb) * hw * 8, dst = out.data + b * hw * C + 8 * cb
                    for p in 0..<hw { (dst + p * C).update(from: src + p * 8, count: lanes) }
                }
            }
            return out
        }
        if layout == .blocked8 || target == .blocked8 {
            for b in 0..<N { for ch in 0..<C { for y in 0..<H { for x in 0..<W {
                out.data[out.offset(b, ch, y, x)] = data[offset(b, ch, y, x)]
            } } } }
            return out
        }
        for b in 0..<N {
            let src = data + b * C * hw, dst = out.data + b * C * hw
            if layout == .nchw {
                for ch in 0..<C { for p in 0..<hw { dst[p * C + ch] = src[ch * hw + p] } }
            } else {
                for p in 0..<hw { for ch in 0..<C { dst[ch * hw + p] = src[p * C + ch] } }
            }
        }
        return out
    }
}
