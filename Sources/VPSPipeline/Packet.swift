import VPSCore

/// A typed slot in a `Packet`. Each module declares the keys for what its
/// stages produce, e.g. `enum MotionKey: PacketKey { typealias Value = FlowField }`.
/// The `name` is what stages list in `requires`/`provides` and what pipeline
/// validation reports.
public protocol PacketKey {
    associatedtype Value
    static var name: String { get }
}

/// What travels between stages: one decoded frame plus everything stages have
/// attached to it so far (motion, features, detections, the rendered canvas…).
///
/// A key is in one of three states for a frame: set (a stage computed it), an
/// explicit gap (a stage chose not to compute it for this frame, e.g. a frame
/// that is not a key frame, or a saved result that lacks the frame), or
/// absent (nothing upstream provides it, which `Pipeline` rules out before the
/// first frame). Gaps travel downstream by one rule, applied by the runners
/// (`Stage.handle`): a stage one of whose requirements is a gap does not
/// process the frame; it gets `processGap` instead, and what it provides
/// becomes a gap too.
public struct Packet: @unchecked Sendable {
    /// The decoded frame (index, timestamp, RGB image).
    public var frame: VideoFrame
    private var slots: [ObjectIdentifier: Any] = [:]
    /// Names of the keys that are explicit gaps in this frame.
    public private(set) var gaps: Set<String> = []
    /// Names of the keys that hold a value.
    private var present: Set<String> = []

    public init(frame: VideoFrame) {
        self.frame = frame
    }

    /// The value stored under `key`, if a stage has set it. Setting a value
    /// clears a gap.
    public subscript<K: PacketKey>(_ key: K.Type) -> K.Value? {
        get { slots[ObjectIdentifier(key)] as? K.Value }
        set {
            slots[ObjectIdentifier(key)] = newValue
            if newValue != nil {
                gaps.remove(K.name)
                present.insert(K.name)
            } else {
                present.remove(K.name)
            }
        }
    }

    /// The value under `key`; a missing one is an internal failure (the
    /// runner does not call a stage whose requirement is a gap).
    public func require<K: PacketKey>(_ key: K.Type) throws -> K.Value {
        guard let v = self[key] else {
            throw VPSError.internalFailure("frame \(frame.index) has no '\(K.name)'")
        }
        return v
    }

    /// Marks `key` as not computed for this frame (its value, if any, is dropped).
    public mutating func markGap<K: PacketKey>(_ key: K.Type) {
        slots[ObjectIdentifier(key)] = nil
        present.remove(K.name)
        gaps.insert(K.name)
    }

    /// Marks the keys named `names` that hold no value as gaps (what a
    /// skipped stage would have provided and did not fill in `processGap`).
    mutating func markGaps(named names: [String]) { gaps.formUnion(names.filter { !present.contains($0) }) }

    /// Whether `key` is an explicit gap in this frame.
    public func isGap<K: PacketKey>(_ key: K.Type) -> Bool { gaps.contains(K.name) }
}

/// The decoded frame itself; every source provides it.
public enum FrameKey: PacketKey {
    public typealias Value = VideoFrame
    public static let name = "frame"
}

/// The picture to encode: the rendered output frame (RGB24).
public enum CanvasKey: PacketKey {
    public typealias Value = RGBImage
    public static let name = "canvas"
}
