/// Every colour vps draws with: tracks and stuff in the annotated video,
/// detector instances, and the series of the eval chart.
///
/// A track's colour is a pure function of its ID, so it keeps one colour for
/// its whole life and across runs. Hues step by the golden-ratio conjugate
/// (≈ 0.618 of the circle, i.e. 222.5° or equivalently −137.5°) per ID, so
/// consecutive IDs land far apart on the colour wheel and no two of the first
/// hundreds share a hue; saturation and value are fixed and high so that
/// every colour stands out against video. Stuff categories get the same
/// stepping from another offset, paler, since they are tinted lightly.
public enum Palette {
    /// The instance colours of the `render` stage's `instances` mode:
    /// instance i gets colour i mod count.
    public static let instanceColours: [RGBColour] = [
        RGBColour(230, 25, 75), RGBColour(60, 180, 75), RGBColour(255, 225, 25), RGBColour(0, 130, 200),
        RGBColour(245, 130, 48), RGBColour(145, 30, 180), RGBColour(70, 240, 240), RGBColour(240, 50, 230),
        RGBColour(210, 245, 60), RGBColour(250, 190, 212), RGBColour(0, 128, 128), RGBColour(220, 190, 255),
        RGBColour(170, 110, 40), RGBColour(255, 250, 200), RGBColour(128, 0, 0), RGBColour(170, 255, 195),
        RGBColour(128, 128, 0), RGBColour(0, 0, 128)]

    /// The series colours of `vps eval --chart` (matplotlib's tab10).
    public static let chartColours: [RGBColour] = [
        RGBColour(31, 119, 180), RGBColour(255, 127, 14), RGBColour(44, 160, 44), RGBColour(214, 39, 40),
        RGBColour(148, 103, 189), RGBColour(140, 86, 75), RGBColour(227, 119, 194), RGBColour(127, 127, 127),
        RGBColour(188, 189, 34), RGBColour(23, 190, 207)]

    /// The golden-ratio conjugate, (√5 − 1) / 2.
    static let goldenStep = 0.618_033_988_749_895

    /// The colour of track `trackId` (any integer; IDs count from 1).
    public static func colour(trackId: Int) -> RGBColour {
        hsv(hue: hue(trackId, offset: 0.11), saturation: 0.85, value: 0.95)
    }

    /// The tint of stuff category `category`.
    public static func stuffColour(category: Int) -> RGBColour {
        hsv(hue: hue(category, offset: 0.47), saturation: 0.55, value: 0.85)
    }

    /// Hue in 0..<1 for step `n`: the fractional part of offset + n·φ⁻¹.
    static func hue(_ n: Int, offset: Double) -> Double {
        let h = (offset + Double(n) * goldenStep).truncatingRemainder(dividingBy: 1)
        return h < 0 ? h + 1 : h
    }

    /// HSV (all 0…1) to 8-bit RGB.
    public static func hsv(hue: Double, saturation s: Double, value v: Double) -> RGBColour {
        let h6 = hue * 6
        let sector = Int(h6) % 6
        let f = h6 - Double(Int(h6))
        let p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f))
        let (r, g, b): (Double, Double, Double)
        switch sector {
        case 0: (r, g, b) = (v, t, p)
        case 1: (r, g, b) = (q, v, p)
        case 2: (r, g, b) = (p, v, t)
        case 3: (r, g, b) = (p, q, v)
        case 4: (r, g, b) = (t, p, v)
        default: (r, g, b) = (v, p, q)
        }
        func byte(_ x: Double) -> UInt8 { UInt8(max(0, min(255, (x * 255).rounded()))) }
        return RGBColour(byte(r), byte(g), byte(b))
    }
}
