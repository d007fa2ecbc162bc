import VPSCore
import VPSMotion
import VPSPipeline

/// The motion map of a frame: dense optical flow *from this frame to the
/// previous one*, so frame_t(p) ≈ frame_{t−1}(p + flow(p)). Warping anything of
/// frame t−1 by it (`Warp.warp`) brings it into frame t's geometry. Zero on the
/// first frame. Its resolution is the motion stage's `scale` times the frame's.
public enum MotionKey: PacketKey {
    public typealias Value = FlowField
    public static let name = "motion"
}

/// The `motion` stage: optical flow between consecutive frames (OpenCV DIS or Farneback).
public final class MotionStage: Stage {
    public let name = "motion"
    public let requires = [FrameKey.name]
    public let provides = [MotionKey.name]
    private let estimator: FlowEstimator
    private var previous: GrayImage?

    public init(method: FlowMethod, scale: Double) throws {
        estimator = try FlowEstimator(method: method, scale: scale)
    }

    public func process(_ packet: inout Packet) throws {
        let gray = try estimator.gray(packet.frame.image)
        if let previous, previous.width == gray.width, previous.height == gray.height {
            packet[MotionKey.self] = try estimator.flow(fromGray: gray, toGray: previous)
        } else {
            packet[MotionKey.self] = FlowField(width: gray.width, height: gray.height)
        }
        previous = gray
    }

    /// The `motion` stage's settings.
    public struct Settings: SettingsDecodable, Equatable {
        /// `dis` or `farneback` (see `FlowMethod`).
        public var method = "dis"
        /// DIS preset: `ultrafast`, `fast` or `medium`.
        public var preset = "fast"
        /// Resolution the flow is computed at, relative to the frame's.
        public var scale = 1.0

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable { case method, preset, scale }
        public static let settingsOwner = "motion"

        public init(from decoder: Decoder) throws {
            self = try Self.decoded(from: decoder) { c, s in
                try c.decode(.method, into: &s.method)
                try c.decode(.preset, into: &s.preset)
                try c.decode(.scale, into: &s.scale)
            }
        }
    }

    static let definition = StageDefinition(
        name: "motion", summary: "optical flow to the previous frame (the motion map)", settings: Settings.self,
        builder: .stage { settings, context in
            if context.threads > 0 { FlowEstimator.setThreads(context.threads) }
            let s = try settings.decode(Settings.self)
            return try MotionStage(method: try FlowMethod(name: s.method, preset: s.preset), scale: s.scale)
        })
}
