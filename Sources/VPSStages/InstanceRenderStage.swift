import CVBridge
import VPSCore
import VPSPanoptic
import VPSPipeline

/// The `render` stage in `instances` mode: each instance's mask blended in
/// its own colour, its box outlined, and "class score" written above it.
public final class InstanceRenderStage: Stage {
    public let name = "render"
    public let requires = [FrameKey.name, DetectionsKey.name]
    public let provides = [CanvasKey.name]
    /// Weight of the instance colour over the frame inside masks (0…1).
    public let maskOpacity: Float

    public init(maskOpacity: Float = 0.5) { self.maskOpacity = maskOpacity }

    /// A fixed palette; instance i gets colour i mod count.
    static let palette: [(UInt8, UInt8, UInt8)] = [
        (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180),
        (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128), (220, 190, 255),
        (170, 110, 40), (255, 250, 200), (128, 0, 0), (170, 255, 195), (128, 128, 0), (0, 0, 128)]

    public func process(_ packet: inout Packet) throws {
        var image = packet.frame.image
        let found = try packet.require(DetectionsKey.self)
        // Lowest score first, so the best detection is drawn on top.
        let order = found.detections.indices.sorted { found.detections[$0].score < found.detections[$1].score }
        for i in order {
            let colour = Self.palette[i % Self.palette.count]
            if let m = found.detections[i].mask { blend(&image, m, colour) }
        }
        for i in order {
            let d = found.detections[i]
            let colour = Self.palette[i % Self.palette.count]
            outline(&image, d.box, colour)
            let name = found.labels.name(ofCategory: d.category)
            let text = String(format: "%@ %.2f", name, d.score)
            var err = [CChar](repeating: 0, count: 256)
            let x = max(0, min(image.width - 1, Int(d.box.x1))), y = max(0, min(image.height - 1, Int(d.box.y1)))
            let w = image.width, h = image.height
            let rc = image.pixels.withUnsafeMutableBufferPointer { px in
                vps_draw_label(px.baseAddress!, Int32(w), Int32(h), text, Int32(x), Int32(y), 0.45,
                               colour.0, colour.1, colour.2, &err, 256)
            }
            if rc != 0 { throw VPSError.internalFailure("drawing a label: \(String(cString: err))") }
        }
        packet[CanvasKey.self] = image
    }

    func blend(_ image: inout RGBImage, _ m: BinaryMask, _ c: (UInt8, UInt8, UInt8)) {
        let a = maskOpacity
        let cr = Float(c.0) * a, cg = Float(c.1) * a, cb = Float(c.2) * a
        image.pixels.withUnsafeMutableBufferPointer { px in
            for y in 0..<m.height {
                for x in 0..<m.width where m.bits[y * m.width + x] != 0 {
                    let o = ((m.y0 + y) * image.width + m.x0 + x) * 3
                    px[o] = UInt8(Float(px[o]) * (1 - a) + cr)
                    px[o + 1] = UInt8(Float(px[o + 1]) * (1 - a) + cg)
                    px[o + 2] = UInt8(Float(px[o + 2]) * (1 - a) + cb)
                }
            }
        }
    }

    func outline(_ image: inout RGBImage, _ b: Box, _ c: (UInt8, UInt8, UInt8)) {
        let W = image.width, H = image.height
        let x0 = max(0, min(W - 1, Int(b.x1))), x1 = max(0, min(W - 1, Int(b.x2)))
        let y0 = max(0, min(H - 1, Int(b.y1))), y1 = max(0, min(H - 1, Int(b.y2)))
        for t in 0..<2 {
            for x in x0...x1 {
                image[x, min(y0 + t, H - 1)] = c
                image[x, max(y1 - t, 0)] = c
            }
            for y in y0...y1 {
                image[min(x0 + t, W - 1), y] = c
                image[max(x1 - t, 0), y] = c
            }
        }
    }
}
