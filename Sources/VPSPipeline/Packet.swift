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
public struct Packet: @unchecked Sendable {
    /// The decoded frame (index, timestamp, RGB image).
    public var frame: VideoFrame
    private var slots: [ObjectIdentifier: Any] = [:]

    public init(frame: VideoFrame) {
        self.frame = frame
    }

    /// The value stored under `key`, if a stage has set it.
    public subscript<K: PacketKey>(_ key: K.Type) -> K.Value? {
        get { slots[ObjectIdentifier(key)] as? K.Value }
        set { slots[ObjectIdentifier(key)] = newValue }
    }
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
