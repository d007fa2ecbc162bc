import ArgumentParser
import Foundation
import VPSCheckpoint
import VPSCore
import VPSDetection

/// `vps weights …`: checkpoint tools.
struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Inspect model checkpoints (.safetensors, torchvision .pth or Detectron2 .pkl).",
        subcommands: [WeightsInspectCommand.self])
}

/// `vps weights inspect [FILE] [--json]`: what a checkpoint holds (the default model without FILE).
struct WeightsInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List a checkpoint's tensors (name, shape, dtype), its metadata and model config.")

    @Argument(help: "A .safetensors file, a torchvision .pth/.pt state dict or a Detectron2 model-zoo .pkl (default: vps's own model).")
    var file: String?

    @Flag(help: "Print JSON.")
    var json = false

    struct TensorInfo: Codable { var name: String; var shape: [Int]; var dtype: String }
    struct Report: Codable {
        var path: String
        var format: String
        var tensorCount: Int
        var parameterCount: Int
        var dtypes: [String: Int]
        var metadataKeys: [String]
        var config: MaskRCNNConfig?
        /// "carried" (stored in the file) or "implied" (by the file's kind and tensors).
        var configSource: String?
        var configError: String?
        var tensors: [TensorInfo]
    }

    func run() throws {
        let file = try DefaultModel.resolve(self.file)
        try InputFile.validate(file)
        let format = CheckpointFormats.format(of: file)
        let dict: StateDict
        do { dict = try format.readWeights(path: file) } catch let e as CheckpointError {
            throw VPSError.unreadableInput(path: file, reason: e.reason)
        }
        var config: MaskRCNNConfig?
        var configError: String?
        var configSource: String?
        do {
            switch try format.config(of: dict, path: file) {
            case .carried(let c): (config, configSource) = (c, "carried")
            case .implied(let c): (config, configSource) = (c, "implied")
            case .none: break
            }
        } catch { configError = "\(error)" }
        var dtypes: [String: Int] = [:]
        for t in dict.tensors.values { dtypes[t.dtype.rawValue, default: 0] += 1 }
        let report = Report(
            path: file, format: format.name,
            tensorCount: dict.tensors.count, parameterCount: dict.parameterCount, dtypes: dtypes,
            metadataKeys: dict.metadata.keys.sorted(), config: config, configSource: configSource, configError: configError,
            tensors: dict.names.map { TensorInfo(name: $0, shape: dict.tensors[$0]!.shape, dtype: dict.tensors[$0]!.dtype.rawValue) })
        if json {
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try e.encode(report), as: UTF8.self))
            return
        }
        print("\(file): \(report.format), \(report.tensorCount) tensors, \(report.parameterCount) values ("
              + dtypes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + ")")
        if let c = config {
            let b = c.backbone
            let semantic = c.semanticHead.map { ", semantic head \($0.classNames.count) classes" } ?? ""
            print("config\(configSource == "implied" ? " (implied by the file)" : ""): \(c.architecture), \(b.block.rawValue) ResNet layers \(b.layers) widths \(b.stageWidths), "
                  + "FPN \(b.fpnChannels), BN eps \(b.batchNormEps), \(c.numClasses) classes\(semantic), input \(c.transform.minSize)/\(c.transform.maxSize), "
                  + "score threshold \(c.roiHeads.scoreThreshold)")
        } else if let configError {
            print("config: present but unreadable: \(configError)")
        } else {
            print("config: none (give one with --model-config)")
        }
        let others = report.metadataKeys.filter { $0 != ModelCheckpoint.configKey }
        if !others.isEmpty { print("metadata: " + others.joined(separator: ", ")) }
        let width = report.tensors.map(\.name.count).max() ?? 0
        for t in report.tensors {
            print("  " + t.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(t.dtype)  \(t.shape)")
        }
    }
}
