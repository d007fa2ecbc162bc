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

    static let definition = StageDefinition(
        name: "motion", summary: "optical flow to the previous frame (the motion map)",
        keys: ["method", "preset", "scale"],
        builder: .stage { settings, context in
            if context.threads > 0 { FlowEstimator.setThreads(context.threads) }
            let method = try FlowMethod(name: settings.string("method", default: "dis"),
                                        preset: settings.string("preset", default: "fast"))
            return try MotionStage(method: method, scale: settings.double("scale", default: 1))
        })
}
