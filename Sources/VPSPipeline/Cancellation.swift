import Foundation

/// A flag that asks a running pipeline to stop taking new frames. The frames in
/// flight are finished and the outputs closed normally (see `RunReport.cancelled`).
public final class CancellationToken: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false

    public init() {}

    public var isCancelled: Bool {
        lock.lock(); defer { lock.unlock() }
        return flag
    }

    public func cancel() {
        lock.lock(); flag = true; lock.unlock()
    }
}
