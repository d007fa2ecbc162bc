/// SplitMix64: a small, fast, seedable generator, so that a seed gives the
/// same dataset on every machine and Swift version (the standard library's
/// generators promise neither).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [a, b).
    public mutating func uniform(_ a: Double, _ b: Double) -> Double {
        a + (b - a) * Double(next() >> 11) / Double(1 << 53)
    }
    /// Uniform integer in a...b.
    public mutating func int(_ a: Int, _ b: Int) -> Int { a + Int(next() % UInt64(b - a + 1)) }
}

/// Deterministic lattice noise for textures, in 0…1.
enum Noise {
    @inline(__always)
    static func hash(_ x: Int, _ y: Int, _ seed: UInt64) -> Double {
        var h = UInt64(bitPattern: Int64(x)) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(bitPattern: Int64(y)) &* 0xC2B2_AE3D_27D4_EB4F ^ seed
        h ^= h >> 31; h = h &* 0xBF58_476D_1CE4_E5B9; h ^= h >> 29
        return Double(h >> 11) / Double(1 << 53)
    }

    /// Bilinear value noise with cells of `scale` pixels.
    @inline(__always)
    static func value(_ x: Double, _ y: Double, scale: Double, seed: UInt64) -> Double {
        let fx = x / scale, fy = y / scale
        let x0 = Int(fx.rounded(.down)), y0 = Int(fy.rounded(.down))
        let ax = fx - Double(x0), ay = fy - Double(y0)
        let sx = ax * ax * (3 - 2 * ax), sy = ay * ay * (3 - 2 * ay)
        let a = hash(x0, y0, seed), b = hash(x0 + 1, y0, seed)
        let c = hash(x0, y0 + 1, seed), d = hash(x0 + 1, y0 + 1, seed)
        return (a + (b - a) * sx) * (1 - sy) + (c + (d - c) * sx) * sy
    }
}
