/// A small deterministic generator for test data (a 64-bit LCG, Knuth's
/// MMIX constants): the same state gives the same sequence on every machine.
public struct TestRNG {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }

    /// The next 64-bit state.
    public mutating func nextWord() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state
    }

    /// Uniform in [−1, 1) from the top 53 bits of the next state.
    public mutating func next() -> Float {
        Float(Double(nextWord() >> 11) / Double(1 << 53)) * 2 - 1
    }

    /// Uniform in 0..<n (n > 0), from the top 32 bits of the next state.
    public mutating func below(_ n: Int) -> Int {
        Int((nextWord() >> 32) % UInt64(n))
    }

    public mutating func array(_ n: Int) -> [Float] { (0..<n).map { _ in next() } }
}
