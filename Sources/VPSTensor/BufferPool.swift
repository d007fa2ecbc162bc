import Foundation

/// Recycles the large buffers of released tensors.
///
/// A forward pass allocates and frees the same activation sizes every frame
/// (about 0.5 GB at 800×1088). Buffers that large are mapped fresh by malloc
/// and returned to the kernel when freed, so each frame paid ~140k page
/// faults plus the kernel's zeroing of every page. The pool keeps released
/// buffers by exact byte size and hands them out again, holding at most
/// `limit` idle bytes: a buffer that does not fit evicts buffers of other
/// sizes (sizes that stopped recurring, e.g. after the input size changed),
/// or is freed as before. Memory stays bounded over any number of frames.
public final class BufferPool: @unchecked Sendable {
    public static let shared = BufferPool()

    /// Buffers smaller than this come from malloc directly (its heap already
    /// reuses them without page faults).
    public static let minimumBytes = 256 << 10
    /// The most bytes the pool holds while they are not in use.
    public let limit: Int
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var held = 0
    private let lock = NSLock()

    public init(limit: Int = 768 << 20) { self.limit = limit }

    /// Frees the idle buffers (buffers in use belong to their takers).
    deinit {
        for list in free.values { list.forEach { $0.deallocate() } }
    }

    /// Bytes held idle right now (at most `limit`).
    public var heldBytes: Int { lock.lock(); defer { lock.unlock() }; return held }

    /// A 64-byte-aligned buffer of `byteCount` bytes (a multiple of 64), with
    /// unspecified contents; `fresh` is true when it was newly allocated
    /// (not recycled).
    public func take(byteCount: Int) -> (pointer: UnsafeMutableRawPointer, fresh: Bool) {
        if byteCount >= Self.minimumBytes {
            lock.lock()
            if let p = free[byteCount]?.popLast() {
                held -= byteCount
                lock.unlock()
                return (p, false)
            }
            lock.unlock()
        }
        return (UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64), true)
    }

    /// Returns a buffer obtained from `take` with the same `byteCount`.
    public func give(_ p: UnsafeMutableRawPointer, byteCount: Int) {
        if byteCount >= Self.minimumBytes {
            lock.lock()
            if byteCount <= limit {
                var evicted: [UnsafeMutableRawPointer] = []
                while held + byteCount > limit,
                      let size = free.first(where: { $0.key != byteCount && !$0.value.isEmpty })?.key {
                    evicted.append(free[size]!.removeLast())
                    held -= size
                    if free[size]!.isEmpty { free[size] = nil }
                }
                if held + byteCount <= limit {
                    free[byteCount, default: []].append(p)
                    held += byteCount
                    lock.unlock()
                    evicted.forEach { $0.deallocate() }
                    return
                }
                lock.unlock()
                evicted.forEach { $0.deallocate() }
            } else {
                lock.unlock()
            }
        }
        p.deallocate()
    }
}
