/// Which frames of a video to process: `--start`, `--frames`, `--stride`.
public struct FrameSelection: Equatable, Sendable {
    /// First source frame to keep, from 0.
    public var start: Int
    /// Maximum number of frames to keep; nil keeps all.
    public var count: Int?
    /// Keep every `stride`-th frame from `start` on.
    public var stride: Int

    public init(start: Int = 0, count: Int? = nil, stride: Int = 1) {
        self.start = start
        self.count = count
        self.stride = stride
    }

    public static let all = FrameSelection()

    /// Checks the values a user gave.
    public func validate() throws {
        guard start >= 0 else { throw VPSError.invalidArgument("--start must be 0 or more, got \(start)") }
        guard stride >= 1 else { throw VPSError.invalidArgument("--stride must be 1 or more, got \(stride)") }
        if let count, count < 1 { throw VPSError.invalidArgument("--frames must be 1 or more, got \(count)") }
    }

    /// Whether source frame `i` is selected (ignoring `count`).
    @inlinable
    public func selects(_ i: Int) -> Bool { i >= start && (i - start) % stride == 0 }

    /// How many frames are kept from a stream of `total` frames.
    public func keptCount(ofTotal total: Int) -> Int {
        guard total > start else { return 0 }
        let n = (total - start + stride - 1) / stride
        return count.map { min($0, n) } ?? n
    }
}
