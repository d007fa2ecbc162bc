import VPSCore
import VPSFormats
import VPSPipeline
import VPSRender

/// The `render` stage in `panoptic` mode: the annotated frame of `vps
/// annotate`, drawn by `PanopticDrawing` (stuff tint, things in their track's
/// colour with outline, box and "class #track score" label, motion trails).
/// A frame without a panoptic result passes through as it is.
public final class PanopticRenderStage: Stage {
    public let name = "render"
    public let requires = [FrameKey.name, PanopticKey.name]
    public let provides = [CanvasKey.name]
    /// The drawing, with its settings and the tracks' trails.
    public private(set) var drawing: PanopticDrawing

    /// Weight of the track colour over the frame inside a thing (0…1).
    public var maskOpacity: Float { drawing.maskOpacity }
    /// Weight of the category colour over the frame inside stuff (0…1).
    public var stuffOpacity: Float { drawing.stuffOpacity }
    /// Frames a motion trail spans; 0 draws none.
    public var trailLength: Int { drawing.trailLength }
    /// Font scale of the labels; nil: by frame height (`PanopticDrawing.autoLabelScale`).
    public var labelScale: Double? { drawing.labelScale }
    /// The paths of recently seen tracks (nil when `trailLength` is 0).
    public var trails: MotionTrails? { drawing.trails }

    public init(maskOpacity: Float = 0.5, stuffOpacity: Float = 0.25, trailLength: Int = 0, labelScale: Double? = nil) {
        drawing = PanopticDrawing(maskOpacity: maskOpacity, stuffOpacity: stuffOpacity, trailLength: trailLength, labelScale: labelScale)
    }

    public func process(_ packet: inout Packet) throws {
        var image = packet.frame.image
        defer { packet[CanvasKey.self] = image }
        guard let result = packet[PanopticKey.self] else { return }
        try drawing.draw(on: &image, result.frame, categories: result.categories, frameIndex: packet.frame.index)
    }
}
