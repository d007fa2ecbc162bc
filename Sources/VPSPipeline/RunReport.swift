/// What a pipeline run did, for `--profile` and for tests.
public struct RunReport: Codable, Equatable, Sendable {
    /// Frames that went through every stage.
    public var frames: Int
    /// Wall-clock seconds from the first decode to the last stage's finish.
    public var wallSeconds: Double
    /// True when the run stopped early because it was cancelled (SIGINT).
    public var cancelled: Bool
    /// Non-fatal problems reported by the source (truncation…).
    public var warnings: [String]
    /// Per element, the source first.
    public var stages: [StageStats]

    /// End-to-end throughput in frames per second.
    public var fps: Double { wallSeconds > 0 ? Double(frames) / wallSeconds : 0 }
}

/// Per-stage counters.
public struct StageStats: Codable, Equatable, Sendable {
    public var name: String
    /// Frames handled.
    public var frames: Int
    /// Seconds spent inside the stage's own work (not waiting on queues).
    public var busySeconds: Double
    /// Mean and maximum number of packets waiting in the stage's input queue
    /// (sampled each time it takes one); nil for the source, which has none.
    public var meanQueue: Double?
    public var maxQueue: Int?
    /// Capacity of the input queue.
    public var queueCapacity: Int?

    /// Frames per second of busy time: how fast the stage would run alone.
    public var throughput: Double { busySeconds > 0 ? Double(frames) / busySeconds : 0 }
}
