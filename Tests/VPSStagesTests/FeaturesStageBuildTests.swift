import Foundation
import TestSupport
import VPSCore
import VPSDetection
import VPSPipeline
import VPSStages
import XCTest

/// How the `features` stage gets its model: from its `weights` setting
/// (`MaskRCNN.load`), or from a model the command put in the build context.
final class FeaturesStageBuildTests: XCTestCase {
    private func build(_ settings: [String: SettingValue], _ context: BuildContext) throws -> Stage {
        let def = try StandardStages.registry.definition(for: StageSpec(name: "features", settings: settings), in: "test")
        guard case .stage(let make) = def.builder else { throw VPSError.invalidPipeline("features is a source") }
        return try make(StageSettings(stage: "features", values: settings), context)
    }

    func testAModelInTheContextStandsInForWeights() throws {
        let model = try ModelStagesTests.tinyModel()
        let context = BuildContext(input: "test")
        context[FeaturesModel.self] = model
        let stage = try XCTUnwrap(try build([:], context) as? FeaturesStage)
        XCTAssertTrue(stage.model === model)
    }

    func testWeightsAreLoadedThroughTheSeam() throws {
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try TinyModel.writeCheckpoint(seed: 3, to: dir + "/tiny.safetensors")
        let stage = try XCTUnwrap(try build(["weights": .string(dir + "/tiny.safetensors")], BuildContext(input: "test")) as? FeaturesStage)
        XCTAssertEqual(stage.model.config, TinyModel.config())
        XCTAssertThrowsError(try build([:], BuildContext(input: "test"))) {
            XCTAssertTrue("\($0)".contains("this model needs weights"), "\($0)")
        }
        XCTAssertThrowsError(try build(["weights": .string(dir + "/none.pth")], BuildContext(input: "test"))) {
            XCTAssertEqual($0 as? VPSError, .fileNotFound(path: dir + "/none.pth"))
        }
    }
}
