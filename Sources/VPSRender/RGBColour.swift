/// An 8-bit RGB colour.
public struct RGBColour: Hashable, Sendable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// Perceived brightness 0…255 (ITU-R BT.601 luma weights).
    public var luma: Double { 0.299 * Double(r) + 0.587 * Double(g) + 0.114 * Double(b) }

    /// Black on light colours, white on dark ones: the readable text colour on this background.
    public var textColour: RGBColour { luma >= 140 ? RGBColour(0, 0, 0) : RGBColour(255, 255, 255) }
}
