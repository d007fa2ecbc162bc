import Foundation
import VPSCore
import VPSDetection
import VPSPanoptic
import VPSPipeline

/// The `detect` stage: the second half of Mask R-CNN on the `features`
/// stage's output: RPN, box and mask branches, an embedding per detection
/// (track head, or pooled RoI features) and, with a semantic head, the stuff
/// map. It runs the heads of the model that computed the features.
///
/// Masks are computed only for detections that pass the score threshold.
public final class DetectStage: Stage {
    public let name = "detect"
    public let requires = [FeaturesKey.name]
    public let provides = [DetectionsKey.name]
    /// Overrides the checkpoint's box score threshold when set.
    public let scoreThreshold: Float?

    public init(scoreThreshold: Float?) {
        self.scoreThreshold = scoreThreshold
    }

    public func process(_ packet: inout Packet) throws {
        let features = try packet.require(FeaturesKey.self)
        let model = features.model
        let output = model.detect(features.maps, scoreThreshold: scoreThreshold, masks: true)
        let combine = model.config.semanticHead?.combine.map {
            PanopticFusion(overlapThreshold: $0.overlapThreshold, stuffAreaThreshold: $0.stuffAreaThreshold,
                           scoreThreshold: $0.instanceScoreThreshold)
        }
        packet[DetectionsKey.self] = FrameDetections(modelOutput: output.detections, labels: LabelSet(model: model.config),
                                                     semantic: output.semantic,
                                                     embeddings: model.hasTrackHead ? .trackHead : .pooledFeatures,
                                                     modelFusion: combine)
    }

    /// The `detect` stage's settings.
    public struct Settings: SettingsDecodable, Equatable {
        /// Box score threshold in 0…1; nil: the checkpoint's.
        public var scoreThreshold: Double?

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable { case scoreThreshold = "score_threshold" }
        public static let settingsOwner = "detect"

        public init(from decoder: Decoder) throws {
            self = try Self.decoded(from: decoder) { c, s in try c.decode(.scoreThreshold, into: &s.scoreThreshold) }
        }

        /// The threshold is `--score-threshold` on the command line, so its error names that option.
        public func validate() throws {
            if let t = scoreThreshold, !(0...1).contains(t) {
                throw VPSError.invalidArgument("--score-threshold must be within 0…1, got \(t)")
            }
        }
    }

    static let definition = StageDefinition(
        name: "detect", summary: "Mask R-CNN heads on the features: boxes, classes, scores, masks, embeddings, stuff",
        settings: Settings.self,
        builder: .stage { settings, _ in
            DetectStage(scoreThreshold: try settings.decode(Settings.self).scoreThreshold.map { Float($0) })
        })
}

extension LabelSet {
    /// The label set of a model: its class names with `MaskRCNNConfig.categoryIds`,
    /// and its semantic head's classes with their stuff category ids.
    public init(model config: MaskRCNNConfig) {
        let stuffNames = config.semanticHead?.classNames ?? []
        self.init(classNames: config.classNames,
                  labelCategories: config.classNames.indices.map { $0 == 0 ? 0 : config.categoryId(ofLabel: $0) },
                  stuffClassNames: stuffNames,
                  stuffCategories: stuffNames.indices.map { $0 == 0 ? 0 : config.stuffCategoryId(ofClass: $0) })
    }
}
