import CVBridge
import VPSCore

/// The one bridge to OpenCV drawing (CVBridge's CVDraw): shapes and text on
/// an RGB image in place, coordinates in pixels with the origin top-left,
/// failures as `VPSError.internalFailure`.
public enum Draw {
    /// An axis-aligned rectangle with corners (x0, y0) and (x1, y1)
    /// inclusive, `thickness` pixels wide; a negative `thickness` fills it.
    public static func rect(_ image: inout RGBImage, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: RGBColour,
                            thickness: Int = 1) throws {
        try call(&image, "a box") { px, w, h, err in
            vps_draw_rect(px, w, h, Int32(x0), Int32(y0), Int32(x1), Int32(y1), Int32(c.r), Int32(c.g), Int32(c.b),
                          Int32(thickness), err, 256)
        }
    }

    /// An anti-aliased line segment `thickness` pixels wide.
    public static func line(_ image: inout RGBImage, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: RGBColour,
                            thickness: Int) throws {
        try call(&image, "a line") { px, w, h, err in
            vps_draw_line(px, w, h, Int32(x0), Int32(y0), Int32(x1), Int32(y1), Int32(c.r), Int32(c.g), Int32(c.b),
                          Int32(thickness), err, 256)
        }
    }

    /// Text (ASCII, OpenCV's Hershey simplex) with its baseline's left end at (x, y), 1 px strokes.
    public static func text(_ image: inout RGBImage, _ s: String, x: Int, y: Int, scale: Double, _ c: RGBColour) throws {
        try call(&image, "text") { px, w, h, err in
            vps_draw_text(px, w, h, s, Int32(x), Int32(y), scale, Int32(c.r), Int32(c.g), Int32(c.b), 1, err, 256)
        }
    }

    /// `text` in white on a filled box of colour `c` whose bottom-left corner
    /// is at (x, y), moved down to stay below the top edge.
    public static func whiteLabel(_ image: inout RGBImage, _ text: String, x: Int, y: Int, scale: Double, _ c: RGBColour) throws {
        try call(&image, "a label") { px, w, h, err in
            vps_draw_label(px, w, h, text, Int32(x), Int32(y), scale, c.r, c.g, c.b, err, 256)
        }
    }

    /// A label whose bottom-left corner is at (x, y), kept inside the image,
    /// text in black or white by the background's luma; returns the box drawn
    /// ([x0, y0, x1, y1] inclusive).
    @discardableResult
    public static func label(_ image: inout RGBImage, _ text: String, x: Int, y: Int, scale: Double, _ c: RGBColour) throws -> [Int] {
        let t = c.textColour
        var box = [Int32](repeating: 0, count: 4)
        try box.withUnsafeMutableBufferPointer { bp in
            try call(&image, "a label") { px, w, h, err in
                vps_draw_label_colours(px, w, h, text, Int32(x), Int32(y), scale, c.r, c.g, c.b, t.r, t.g, t.b,
                                       bp.baseAddress, err, 256)
            }
        }
        return box.map(Int.init)
    }

    private static func call(_ image: inout RGBImage, _ what: String,
                             _ body: (UnsafeMutablePointer<UInt8>, Int32, Int32, UnsafeMutablePointer<CChar>) -> Int32) throws {
        var err = [CChar](repeating: 0, count: 256)
        let w = Int32(image.width), h = Int32(image.height)
        let rc = image.pixels.withUnsafeMutableBufferPointer { px in
            err.withUnsafeMutableBufferPointer { e in body(px.baseAddress!, w, h, e.baseAddress!) }
        }
        if rc != 0 { throw VPSError.internalFailure("drawing \(what): \(String(cString: err))") }
    }
}
