/// An 8-bit RGB image, packed row by row with no padding.
///
/// Layout: HWC, `pixels[(y * width + x) * 3 + c]` with c = 0 (R), 1 (G), 2 (B).
/// The origin is the top-left corner.
public struct RGBImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// `width * height * 3` bytes, RGB interleaved.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "image must have a positive size")
        precondition(pixels.count == width * height * 3, "pixel buffer does not match \(width)x\(height)x3")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A uniformly coloured image.
    public init(width: Int, height: Int, fill: (UInt8, UInt8, UInt8) = (0, 0, 0)) {
        var px = [UInt8](repeating: 0, count: width * height * 3)
        if fill != (0, 0, 0) {
            for i in stride(from: 0, to: px.count, by: 3) {
                px[i] = fill.0; px[i + 1] = fill.1; px[i + 2] = fill.2
            }
        }
        self.init(width: width, height: height, pixels: px)
    }

    /// Bytes per row.
    public var rowBytes: Int { width * 3 }

    /// The pixel at (x, y) as (r, g, b).
    @inlinable
    public subscript(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        get {
            let i = (y * width + x) * 3
            return (pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            let i = (y * width + x) * 3
            pixels[i] = newValue.0; pixels[i + 1] = newValue.1; pixels[i + 2] = newValue.2
        }
    }
}

/// One decoded video frame.
public struct VideoFrame: Sendable {
    /// Position in the decoded sequence after `--start`/`--stride` were applied, from 0.
    public var index: Int
    /// Index of the frame in the source stream, from 0, before selection.
    public var sourceIndex: Int
    /// Presentation time in seconds from the start of the stream.
    public var timestamp: Double
    public var image: RGBImage

    public init(index: Int, sourceIndex: Int? = nil, timestamp: Double, image: RGBImage) {
        self.index = index
        self.sourceIndex = sourceIndex ?? index
        self.timestamp = timestamp
        self.image = image
    }
}
