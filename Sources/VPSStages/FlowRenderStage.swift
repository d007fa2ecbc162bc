import VPSCore
import VPSMotion
import VPSPipeline
import VPSRender

/// The `render` stage in `flow` mode: draws the motion map with the Middlebury
/// colour wheel. Colours show the direction each pixel moved since the previous
/// frame (the negated motion map), so rightward motion is red. With
/// `side_by_side` the canvas is the frame and the colour map next to each other.
public final class FlowRenderStage: Stage {
    public let name = "render"
    public let requires = [FrameKey.name, MotionKey.name]
    public let provides = [CanvasKey.name]
    /// Magnitude (in frame pixels) that maps to full saturation; nil = each frame's own maximum.
    public let maxMagnitude: Float?
    public let sideBySide: Bool

    public init(maxMagnitude: Float?, sideBySide: Bool) {
        self.maxMagnitude = maxMagnitude
        self.sideBySide = sideBySide
    }

    public func process(_ packet: inout Packet) throws {
        let image = packet.frame.image
        guard let motion = packet[MotionKey.self] else { return }
        let flow = motion.resampled(width: image.width, height: image.height)
        let colours = FlowColor.image(flow, maxMagnitude: maxMagnitude, negate: true)
        packet[CanvasKey.self] = sideBySide ? image.joined(beside: colours) : colours
    }

}
