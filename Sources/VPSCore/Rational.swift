/// A rational number, as FFmpeg uses for frame rates and time bases.
public struct Rational: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var num: Int
    public var den: Int

    public init(_ num: Int, _ den: Int) {
        self.num = num
        self.den = den
    }

    /// The value as a Double, or 0 when the denominator is 0.
    public var doubleValue: Double { den == 0 ? 0 : Double(num) / Double(den) }

    /// Whether both parts are positive.
    public var isValid: Bool { num > 0 && den > 0 }

    public var description: String { den == 1 ? "\(num)" : "\(num)/\(den)" }
}
