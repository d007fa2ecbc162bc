import CVBridge
import VPSCore

/// OpenCV drawing (CVBridge) on an RGB image in place, failures as `VPSError`.
enum Draw {
    static func rect(_ image: inout RGBImage, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: RGBColour) throws {
        let w = Int32(image.width), h = Int32(image.height)
        try call(&image, "a box") { px, err in
            vps_draw_rect(px, w, h, Int32(x0), Int32(y0), Int32(x1), Int32(y1), Int32(c.r), Int32(c.g), Int32(c.b), 1, err, 256)
        }
    }

    static func line(_ image: inout RGBImage, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: RGBColour,
                     thickness: Int) throws {
        let w = Int32(image.width), h = Int32(image.height)
        try call(&image, "a trail") { px, err in
            vps_draw_line(px, w, h, Int32(x0), Int32(y0), Int32(x1), Int32(y1), Int32(c.r), Int32(c.g), Int32(c.b),
                          Int32(thickness), err, 256)
        }
    }

    /// A label whose bottom-left corner is at (x, y), kept inside the image,
    /// text in black or white by the background's luma; returns the box drawn
    /// ([x0, y0, x1, y1] inclusive).
    @discardableResult
    static func label(_ image: inout RGBImage, _ text: String, x: Int, y: Int, scale: Double, _ c: RGBColour) throws -> [Int] {
        let w = Int32(image.width), h = Int32(image.height), t = c.textColour
        var box = [Int32](repeating: 0, count: 4)
        try box.withUnsafeMutableBufferPointer { bp in
            try call(&image, "a label") { px, err in
                vps_draw_label_colours(px, w, h, text, Int32(x), Int32(y), scale, c.r, c.g, c.b, t.r, t.g, t.b,
                                       bp.baseAddress, err, 256)
            }
        }
        return box.map(Int.init)
    }

    private static func call(_ image: inout RGBImage, _ what: String,
                             _ body: (UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<CChar>) -> Int32) throws {
        var err = [CChar](repeating: 0, count: 256)
        let rc = image.pixels.withUnsafeMutableBufferPointer { px in
            err.withUnsafeMutableBufferPointer { e in body(px.baseAddress!, e.baseAddress!) }
        }
        if rc != 0 { throw VPSError.internalFailure("drawing \(what): \(String(cString: err))") }
    }
}
