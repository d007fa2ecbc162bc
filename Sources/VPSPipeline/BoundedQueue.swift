import Foundation

/// A blocking FIFO of bounded capacity between two stages.
///
/// `push` blocks while the queue is full (backpressure), `pop` while it is
/// empty. `close()` marks the end of the stream: `pop` then drains what is left
/// and returns nil. `cancel()` drops everything and wakes all waiters, so a
/// failing pipeline never hangs.
final class BoundedQueue<Element> {
    let capacity: Int
    /// A ring of `capacity` slots; a popped slot is cleared at once so the
    /// queue never keeps a packet alive after handing it on.
    private var ring: [Element?]
    private var head = 0
    private var count = 0
    private var closed = false
    private var cancelled = false
    private let condition = NSCondition()
    /// Occupancy statistics, sampled at every pop.
    private(set) var occupancySum = 0
    private(set) var occupancyMax = 0
    private(set) var pops = 0

    init(capacity: Int) {
        precondition(capacity >= 1, "queue capacity must be at least 1")
        self.capacity = capacity
        self.ring = Array(repeating: nil, count: capacity)
    }

    /// Appends `item`, waiting for room. Returns false if the queue was cancelled.
    @discardableResult
    func push(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        precondition(!closed, "push after close")
        ring[(head + count) % capacity] = item
        count += 1
        condition.broadcast()
        return true
    }

    /// Removes the oldest item, waiting for one. Nil when closed and drained, or cancelled.
    func pop() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while count == 0 && !closed && !cancelled { condition.wait() }
        guard !cancelled, count > 0 else { return nil }
        occupancySum += count
        occupancyMax = max(occupancyMax, count)
        pops += 1
        let item = ring[head]
        ring[head] = nil
        head = (head + 1) % capacity
        count -= 1
        condition.broadcast()
        return item
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        ring = Array(repeating: nil, count: capacity)
        head = 0
        count = 0
        condition.broadcast()
        condition.unlock()
    }

    var meanOccupancy: Double {
        condition.lock(); defer { condition.unlock() }
        return pops == 0 ? 0 : Double(occupancySum) / Double(pops)
    }
}
