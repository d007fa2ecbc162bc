import VPSCore
import VPSFormats
import VPSPanoptic
import VPSStages
import VPSPipeline
import XCTest

final class ResultKeysTests: XCTestCase {
    /// A things-only model: every class but the background and torchvision's
    /// "N/A" placeholders is a thing category with its label as id.
    func testThingsOnlyCategoriesFollowTheLabels() {
        let d = Instance(category: 3, score: 0.9, box: Box(x1: 0, y1: 0, x2: 4, y2: 4))
        let f = FrameDetections(modelOutput: [d], labels: LabelSet(classNames: ["__background__", "person", "N/A", "car"]))
        XCTAssertEqual(f.categories, [Category(id: 1, name: "person", isThing: true), Category(id: 3, name: "car", isThing: true)])
        XCTAssertEqual(f.detections[0].category, 3)
        XCTAssertNil(f.stuff)
        XCTAssertEqual(f.embeddings, EmbeddingSource.none)
    }
}

/// Every stock pipeline parses, names only known stages and settings, and
/// the annotation ones hold the whole data path.
final class BuiltinPipelineTests: XCTestCase {
    func testStockPipelinesUseKnownStagesAndSettings() throws {
        let registry = StandardStages.registry
        for (name, yaml) in BuiltinPipelines.yaml {
            let spec = try PipelineSpec.parse(yaml: yaml, origin: name, builtins: BuiltinPipelines.yaml)
            for stage in spec.stages {
                let def = try XCTUnwrap(registry.definitions.first { $0.name == stage.name }, "\(name): \(stage.name)")
                for key in stage.settings.keys { XCTAssertTrue(def.keys.contains(key), "\(name): \(stage.name).\(key)") }
            }
        }
        let order = { (name: String) in try PipelineSpec.builtin(name, in: BuiltinPipelines.yaml).stages.map(\.name) }
        XCTAssertEqual(try order("default"), ["decode", "motion", "features", "detect", "track", "panoptic", "render", "encode"])
        XCTAssertEqual(try order("per-frame"), ["decode", "features", "detect", "track", "panoptic", "render", "encode"])
        XCTAssertEqual(try order("fast"), ["decode", "motion", "features", "detect", "propagate", "track", "panoptic", "render", "encode"])
        let fast = try PipelineSpec.builtin("fast", in: BuiltinPipelines.yaml), plain = try PipelineSpec.builtin("default", in: BuiltinPipelines.yaml)
        XCTAssertEqual(fast.stages.first { $0.name == "features" }?.settings["interval"], .int(5))
        XCTAssertEqual(fast.stages.first { $0.name == "track" }, plain.stages.first { $0.name == "track" }, "fast tracks as default does")
    }
}
