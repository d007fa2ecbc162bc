import Foundation

/// Produces items 0..<count in order on a background thread, at most
/// `depth` ahead of the consumer, so that reading (PNG decoding) overlaps
/// with writing (PNG encoding) on another core. Memory stays bounded by
/// `depth` items. An error in `make` is rethrown by `next()` at its item;
/// dropping the reader stops the producer.
final class ReadAhead<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [Int: Result<Item, Error>] = [:]
    private var consumed = 0
    private var stopped = false
    private let count: Int
    private let depth: Int

    init(count: Int, depth: Int = 8, make: @escaping (Int) throws -> Item) {
        self.count = count
        self.depth = max(1, depth)
        let thread = Thread { [self] in
            for i in 0..<count {
                condition.lock()
                while !stopped && i - consumed >= self.depth { condition.wait() }
                let stop = stopped
                condition.unlock()
                if stop { return }
                let r = Result { try make(i) }
                condition.lock()
                ready[i] = r
                condition.broadcast()
                condition.unlock()
                if case .failure = r { return }
            }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    deinit { stop() }

    /// The next item, waiting for it if needed.
    func next() throws -> Item {
        condition.lock()
        defer { condition.unlock() }
        precondition(consumed < count, "read past the last item")
        while ready[consumed] == nil { condition.wait() }
        let r = ready.removeValue(forKey: consumed)!
        consumed += 1
        condition.broadcast()
        return try r.get()
    }

    /// Stops the producer after the item it is making.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
