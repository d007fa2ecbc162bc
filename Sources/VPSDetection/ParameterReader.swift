import Foundation
import VPSCheckpoint
import VPSTensor

/// Hands out a checkpoint's tensors by torchvision name while the model is
/// built, checking each name, shape and dtype, and collecting every mismatch
/// so that one error lists them all.
public final class ParameterReader {
    private let dict: StateDict
    private var used = Set<String>()
    private(set) var problems: [String] = []
    /// Every tensor asked for so far, in order, with its expected shape.
    public private(set) var expected: [(name: String, shape: [Int])] = []
    /// Batch-norm epsilon used by `convBN`.
    public let batchNormEps: Double

    public init(_ dict: StateDict, batchNormEps: Double) {
        self.dict = dict
        self.batchNormEps = batchNormEps
    }

    /// The values of `name`, which must have `shape`; zeros (and a recorded
    /// problem) otherwise, so that building can go on and report everything.
    public func take(_ name: String, _ shape: [Int]) -> [Float] {
        used.insert(name)
        expected.append((name, shape))
        let n = shape.reduce(1, *)
        guard let t = dict.tensors[name] else {
            problems.append("missing tensor \(name) \(shape)")
            return [Float](repeating: 0, count: n)
        }
        guard [.f32, .f16, .bf16, .f64].contains(t.dtype) else {
            problems.append("tensor \(name) has dtype \(t.dtype.rawValue), expected a float type")
            return [Float](repeating: 0, count: n)
        }
        guard t.shape == shape else {
            problems.append("tensor \(name) has shape \(t.shape), expected \(shape)")
            return [Float](repeating: 0, count: n)
        }
        return t.values
    }

    /// A convolution with bias, in torch's OIHW (or IOHW for `transposed`) layout.
    public func conv(_ prefix: String, in cin: Int, out cout: Int, kernel k: Int, stride: Int = 1, padding: Int = 0,
                     transposed: Bool = false, relu: Bool = false, output: TensorLayout = .blocked8) -> Conv2d {
        let wshape = transposed ? [cin, cout, k, k] : [cout, cin, k, k]
        return Conv2d(inChannels: cin, outChannels: cout, kernel: k, stride: stride, padding: padding,
                      transposed: transposed, relu: relu, outputLayout: output,
                      weight: take(prefix + ".weight", wshape), bias: take(prefix + ".bias", [cout]))
    }

    /// A bias-free convolution followed by batch norm `bn`, folded into one
    /// convolution: w′ = w·γ/√(var+eps), b′ = β − mean·γ/√(var+eps).
    public func convBN(_ convName: String, _ bnName: String, in cin: Int, out cout: Int, kernel k: Int,
                       stride: Int = 1, padding: Int = 0, relu: Bool) -> Conv2d {
        var w = take(convName + ".weight", [cout, cin, k, k])
        let gamma = take(bnName + ".weight", [cout]), beta = take(bnName + ".bias", [cout])
        let mean = take(bnName + ".running_mean", [cout]), variance = take(bnName + ".running_var", [cout])
        used.insert(bnName + ".num_batches_tracked")
        let eps = Float(batchNormEps)
        var bias = [Float](repeating: 0, count: cout)
        let per = cin * k * k
        for o in 0..<cout {
            let scale = gamma[o] * (1 / (variance[o] + eps).squareRoot())
            bias[o] = beta[o] - mean[o] * scale
            for i in 0..<per { w[o * per + i] *= scale }
        }
        return Conv2d(inChannels: cin, outChannels: cout, kernel: k, stride: stride, padding: padding, relu: relu,
                      weight: w, bias: bias)
    }

    /// A `Linear` layer in torch's `[out, in]` layout.
    public func linear(_ prefix: String, in cin: Int, out cout: Int, relu: Bool = false) -> Linear {
        Linear(inFeatures: cin, outFeatures: cout, relu: relu,
               weight: take(prefix + ".weight", [cout, cin]), bias: take(prefix + ".bias", [cout]))
    }

    /// Throws every problem found, plus tensors the model did not use
    /// (`num_batches_tracked` counters excepted).
    public func finish() throws {
        var all = problems
        for name in dict.names where !used.contains(name) && !name.hasSuffix("num_batches_tracked") {
            all.append("unexpected tensor \(name) \(dict.tensors[name]!.shape)")
        }
        if !all.isEmpty { throw CheckpointError.mismatches(all) }
    }
}
