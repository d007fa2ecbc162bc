import Foundation
import VPSCore
import VPSDetection
import VPSFormats
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
        guard let features = packet[FeaturesKey.self] else {
            throw VPSError.internalFailure("detect got a frame without features")
        }
        let output = features.model.detect(features.maps, scoreThreshold: scoreThreshold, masks: true)
        packet[DetectionsKey.self] = FrameDetections(output, model: features.model)
    }

    static let definition = StageDefinition(
        name: "detect", summary: "Mask R-CNN heads on the features: boxes, classes, scores, masks, embeddings, stuff",
        keys: ["score_threshold"],
        builder: .stage { settings, _ in
            let t = try settings.optionalDouble("score_threshold")
            if let t, !(0...1).contains(t) { throw VPSError.invalidArgument("--score-threshold must be within 0…1, got \(t)") }
            return DetectStage(scoreThreshold: t.map { Float($0) })
        })
}

extension FrameDetections {
    /// A model's output with the model's label set: things (every label but
    /// the background and "N/A", with `MaskRCNNConfig.categoryIds`; each
    /// category once; detections of "N/A" labels are dropped), then the
    /// semantic head's stuff classes; the stuff map holds stuff category ids
    /// (0 where the semantic head says 'things').
    public init(_ output: DetectionOutput, model: MaskRCNN) {
        let config = model.config
        var categories = FrameDetections.thingLabels(config.classNames)
            .map { Category(id: config.categoryId(ofLabel: $0), name: config.classNames[$0], isThing: true) }
        var stuff: StuffMap?
        if let head = config.semanticHead {
            let ids = head.classNames.indices.map { $0 == 0 ? 0 : config.stuffCategoryId(ofClass: $0) }
            categories += ids.indices.dropFirst().map { Category(id: ids[$0], name: head.classNames[$0], isThing: false) }
            if let s = output.semantic {
                let table = ids.map { Int32($0) }
                stuff = StuffMap(width: s.width, height: s.height, ids: s.classes.map { table[Int($0)] })
            }
        }
        // Labels that map onto one category (merged classes) list it once, by its first name.
        var seen = Set<Int>()
        categories = categories.filter { seen.insert($0.id).inserted }
        self.init(detections: output.detections, classNames: config.classNames, categories: categories,
                  labelCategories: config.classNames.indices.map { $0 == 0 ? 0 : config.categoryId(ofLabel: $0) },
                  stuff: stuff, embeddings: model.hasTrackHead ? .trackHead : .pooledFeatures,
                  combine: config.semanticHead?.combine)
    }
}
