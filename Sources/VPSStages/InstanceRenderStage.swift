import Foundation
import VPSCore
import VPSDetection
import VPSPipeline
import VPSRender
import VPSTensor

/// The `render` stage in `instances` mode: each instance's mask blended in
/// its own colour (`Palette.instanceColours`, by index), its box outlined,
/// and "class score" written above it.
public final class InstanceRenderStage: Stage {
    public let name = "render"
    public let requires = [FrameKey.name, DetectionsKey.name]
    public let provides = [CanvasKey.name]
    /// Weight of the instance colour over the frame inside masks (0…1).
    public let maskOpacity: Float

    public init(maskOpacity: Float = 0.5) { self.maskOpacity = maskOpacity }

    public func process(_ packet: inout Packet) throws {
        var image = packet.frame.image
        guard let found = packet[DetectionsKey.self] else { packet[CanvasKey.self] = image; return }
        let palette = Palette.instanceColours
        // Lowest score first, so the best detection is drawn on top.
        let order = found.detections.indices.sorted { found.detections[$0].score < found.detections[$1].score }
        for i in order {
            guard let m = found.detections[i].mask else { continue }
            MaskBlend.blend(&image, x0: m.x0, y0: m.y0, width: m.width, height: m.height, bits: m.bits,
                            palette[i % palette.count], opacity: maskOpacity)
        }
        for i in order {
            let d = found.detections[i]
            let colour = palette[i % palette.count]
            Outline.box(&image, Int(d.box.x1), Int(d.box.y1), Int(d.box.x2), Int(d.box.y2), colour)
            let name = d.label < found.classNames.count ? found.classNames[d.label] : "class \(d.label)"
            let x = max(0, min(image.width - 1, Int(d.box.x1))), y = max(0, min(image.height - 1, Int(d.box.y1)))
            try Draw.whiteLabel(&image, String(format: "%@ %.2f", name, d.score), x: x, y: y, scale: 0.45, colour)
        }
        packet[CanvasKey.self] = image
    }
}
