import Foundation

/// Recycles the large buffers of released tensors.
///
/// A forward pass allocates and frees the same activation sizes every frame
/// (about 0.5 GB at 800×1088). Buffers that large are mapped fresh by malloc
/// and returned to the kernel when freed, so each frame paid ~140k page
/// faults plus the kernel's zeroing of every page. The pool keeps released
/// buffers by exact byte size and hands them out again, up to `limit` bytes
/// held in all (beyond that, buffers are freed as before), so memory stays
/// bounded over any number of frames.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()

    /// Buffers smaller than this come from malloc directly (its heap already
    /// reuses them without page faults).
    static let minimumBytes = 256 << 10
    /// The most bytes the pool holds while they are not in use.
    let limit: Int
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var held = 0
    private let lock = NSLock()

    init(limit: Int = 768 << 20) { self.limit = limit }

    /// A 64-byte-aligned buffer of `byteCount` bytes (a multiple of 64), with
    /// unspecified contents; `fresh` is true when it was newly allocated
    /// (not recycled).
    func take(byteCount: Int) -> (pointer: UnsafeMutableRawPointer, fresh: Bool) {
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
    func give(_ p: UnsafeMutableRawPointer, byteCount: Int) {
        if byteCount >= Self.minimumBytes {
            lock.lock()
            if held + byteCount <= limit {
                free[byteCount, default: []].append(p)
                held += byteCount
                lock.unlock()
                return
            }
            lock.unlock()
        }
        p.deallocate()
    }
}
