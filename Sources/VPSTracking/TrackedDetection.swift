/// The tracker's answer for one detection of a frame.
public struct TrackedDetection: Equatable, Sendable {
    /// Index into the frame's detection list.
    public var detection: Int
    /// The persistent identity (from 1), or nil when this detection is not
    /// reported: it started a tentative track that is not yet confirmed, or
    /// (greedy baseline) lost a competition for an existing object.
    public var trackId: Int?

    public init(detection: Int, trackId: Int?) {
        self.detection = detection
        self.trackId = trackId
    }
}
