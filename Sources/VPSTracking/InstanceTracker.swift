import VPSCore

/// Something that turns each frame's detections into persistent identities.
/// Call `update` once per frame, in order; a new video needs a new tracker.
public protocol InstanceTracker {
    /// Associates frame t's detections with the tracks so far.
    ///
    /// - Parameters:
    ///   - detections: frame t's detections (any order).
    ///   - flow: the motion map of frame t (from t to t−1, see `FlowField`;
    ///     `MotionKey` in the pipeline), of the frame's size; nil for the first
    ///     frame or when there is none (no motion compensation then).
    /// - Returns: one entry per detection, in the order given.
    mutating func update(_ detections: [Instance], flow: FlowField?) throws -> [TrackedDetection]
}
