import Foundation
import VPSCheckpoint

/// A model whose weights come from a seed (the parity fixtures' format):
/// the config plus, per parameter, its name, shape and [low, high].
/// `scripts/make_parity_fixtures.py` writes it; `vps bench model` and
/// `scripts/bench_torchvision.py` read the same file, so both run identical weights.
public struct SeededModel: Decodable, Sendable {
    public struct Weights: Decodable, Sendable {
        public var generator: String
        public var seed: UInt64
        public var params: [SeededWeights.Spec]
    }
    public var config: MaskRCNNConfig
    public var weights: Weights

    public static func load(path: String) throws -> SeededModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError.unreadable(path: path, reason: "no such file")
        }
        let m: SeededModel
        do { m = try JSONDecoder().decode(SeededModel.self, from: data) } catch {
            throw CheckpointError.malformed(path: path, reason: "not a seeded-model description: \(error)")
        }
        guard m.weights.generator == "splitmix64-fnv1a64" else {
            throw CheckpointError.malformed(path: path, reason: "unknown weight generator \(m.weights.generator)")
        }
        return m
    }

    public func stateDict() -> StateDict { SeededWeights.stateDict(seed: weights.seed, specs: weights.params) }

    /// Seeded uniform weights for every parameter a model of `config` takes:
    /// batch-norm running variances in 0.9…1.1, everything else in ±`spread`.
    /// Untrained (near-uniform class scores), for tests and benchmarks of
    /// architectures that have no fixture.
    public static func randomWeights(config: MaskRCNNConfig, seed: UInt64, spread: Double = 0.3) throws -> StateDict {
        let specs = try MaskRCNN.expectedParameters(config: config).map { p in
            p.name.hasSuffix("running_var") ? SeededWeights.Spec(name: p.name, shape: p.shape, low: 0.9, high: 1.1)
                : SeededWeights.Spec(name: p.name, shape: p.shape, low: -spread, high: spread)
        }
        return SeededWeights.stateDict(seed: seed, specs: specs)
    }
}
