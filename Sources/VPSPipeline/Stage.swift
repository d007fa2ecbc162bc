import VPSCore

/// One element of a pipeline: it takes each packet in order, does one job and
/// passes the packet on (GStreamer's "element", NIO's "handler").
///
/// A stage runs on its own thread in `ConcurrentRunner`, so it may keep state
/// across frames (the previous frame for optical flow, an open encoder) without
/// locking. `requires` and `provides` name `PacketKey`s; `Pipeline` checks before
/// the first frame that every requirement is provided by an earlier stage.
public protocol Stage: AnyObject {
    /// The stage's name as written in `pipelines/*.yaml`.
    var name: String { get }
    /// Names of the packet keys this stage reads.
    var requires: [String] { get }
    /// Names of the packet keys this stage writes.
    var provides: [String] { get }
    /// Processes one packet in place. Throwing stops the whole pipeline.
    /// Every key in `requires` is set (see `handle`).
    func process(_ packet: inout Packet) throws
    /// Called instead of `process` for a frame in which a required key is an
    /// explicit gap (`missing` names them). By default it does nothing; a sink
    /// that must see every frame (the encoder) handles the frame here, and a
    /// stage that can fill the gap (propagation) sets what it provides.
    func processGap(_ packet: inout Packet, missing: [String]) throws
    /// Called once after the last packet when the run ends normally or is
    /// interrupted (SIGINT): flush and close outputs here.
    func finish() throws
    /// Called instead of `finish()` when the run fails: discard partial outputs.
    func abort()
}

extension Stage {
    public func finish() throws {}
    public func abort() {}
    public func processGap(_ packet: inout Packet, missing: [String]) throws {}

    /// Runs the stage on one packet by the gap rule: `process`, unless a
    /// required key is an explicit gap; then `processGap`, and every key the
    /// stage provides that `processGap` did not set becomes a gap. Both runners call this, so every stage
    /// treats gaps alike.
    public func handle(_ packet: inout Packet) throws {
        let missing = requires.filter { packet.gaps.contains($0) }
        if missing.isEmpty { return try process(&packet) }
        try processGap(&packet, missing: missing)
        packet.markGaps(named: provides)
    }
}

/// Where frames come from: the pipeline's first element.
public protocol FrameSource: AnyObject {
    var name: String { get }
    /// How many frames the source expects to yield, when known (for progress and ETA).
    var expectedFrameCount: Int? { get }
    /// The next frame, or nil at the end.
    func next() throws -> VideoFrame?
    /// Non-fatal problems met so far (e.g. a truncated input).
    var warnings: [String] { get }
}

/// A source and the stages that follow it, checked to fit together.
public struct Pipeline {
    public let source: FrameSource
    public let stages: [Stage]

    /// Builds a pipeline; throws `VPSError.invalidPipeline` naming the first stage
    /// whose requirement no earlier stage provides.
    public init(source: FrameSource, stages: [Stage]) throws {
        var available: Set<String> = [FrameKey.name]
        for stage in stages {
            for need in stage.requires where !available.contains(need) {
                let have = available.sorted().joined(separator: ", ")
                throw VPSError.invalidPipeline("stage '\(stage.name)' needs '\(need)', which no earlier stage provides (available: \(have))")
            }
            available.formUnion(stage.provides)
        }
        self.source = source
        self.stages = stages
    }
}
