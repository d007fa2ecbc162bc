/// Parameters generated from a seed, reproducing `scripts/make_parity_fixtures.py`
/// bit for bit, so that tests need no committed weights.
///
/// For each parameter: a SplitMix64 stream seeded with `seed ^ fnv1a64(name)`;
/// each output z gives u = (z >> 11)·2⁻⁵³ and the value
/// `Float(low + (high − low)·u)`, computed in Double.
public enum SeededWeights {
    /// One parameter to generate.
    public struct Spec: Codable, Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var low: Double
        public var high: Double
        public init(name: String, shape: [Int], low: Double, high: Double) {
            self.name = name; self.shape = shape; self.low = low; self.high = high
        }
    }

    /// FNV-1a, 64-bit, over the UTF-8 bytes of `s`.
    public static func fnv1a64(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h ^= UInt64(b); h = h &* 0x100_0000_01b3 }
        return h
    }

    /// `count` values for one parameter.
    public static func values(seed: UInt64, name: String, count: Int, low: Double, high: Double) -> [Float] {
        var state = seed ^ fnv1a64(name)
        var out = [Float](repeating: 0, count: count)
        let span = high - low
        for i in 0..<count {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z = z ^ (z >> 31)
            let u = Double(z >> 11) * 0x1p-53
            out[i] = Float(low + span * u)
        }
        return out
    }

    /// The whole state dict for `specs`.
    public static func stateDict(seed: UInt64, specs: [Spec]) -> StateDict {
        var d = StateDict()
        for s in specs {
            let n = s.shape.reduce(1, *)
            d.tensors[s.name] = TensorEntry(shape: s.shape, values: values(seed: seed, name: s.name, count: n, low: s.low, high: s.high))
        }
        return d
    }
}
