import Foundation
import VPSCheckpoint
import VPSCore
import VPSDetection
import VPSPipeline

/// The `detect` stage: per-frame Mask R-CNN instance segmentation.
///
/// The model is built and its checkpoint checked when the pipeline is built,
/// so a missing or mismatched checkpoint fails before the first frame. Masks
/// are computed only for detections that pass the score threshold.
public final class DetectStage: Stage {
    public let name = "detect"
    public let requires = [FrameKey.name]
    public let provides = [DetectionsKey.name]
    public let model: MaskRCNN
    /// Overrides the checkpoint's box score threshold when set.
    public let scoreThreshold: Float?

    public init(model: MaskRCNN, scoreThreshold: Float?) {
        self.model = model
        self.scoreThreshold = scoreThreshold
    }

    public func process(_ packet: inout Packet) throws {
        let dets = model(packet.frame.image, scoreThreshold: scoreThreshold, masks: true)
        packet[DetectionsKey.self] = FrameDetections(detections: dets, classNames: model.config.classNames)
    }

    /// Loads a checkpoint into a model, turning checkpoint problems into user errors.
    public static func loadModel(weights: String) throws -> MaskRCNN {
        try InputFile.validate(weights)
        do {
            let (config, dict) = try ModelCheckpoint.load(path: weights)
            return try MaskRCNN(config: config, weights: dict)
        } catch let e as CheckpointError {
            throw VPSError.unreadableInput(path: weights, reason: e.reason)
        } catch let e as DetectionError {
            throw VPSError.unreadableInput(path: weights, reason: e.description)
        }
    }

    static let definition = StageDefinition(
        name: "detect", summary: "Mask R-CNN instance segmentation (boxes, classes, scores, masks)",
        keys: ["weights", "score_threshold"],
        builder: .stage { settings, _ in
            let weights = try settings.string("weights", default: "")
            guard !weights.isEmpty else {
                throw VPSError.invalidArgument("this model needs weights: pass --weights FILE (.safetensors or torchvision .pth)")
            }
            let t = try settings.optionalDouble("score_threshold")
            if let t, !(0...1).contains(t) { throw VPSError.invalidArgument("--score-threshold must be within 0…1, got \(t)") }
            return DetectStage(model: try loadModel(weights: weights), scoreThreshold: t.map { Float($0) })
        })
}
