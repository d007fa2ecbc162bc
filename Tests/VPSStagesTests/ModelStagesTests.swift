import TestSupport
import VPSCheckpoint
import VPSCore
import VPSDetection
import VPSFormats
import VPSPanoptic
import VPSPipeline
import VPSStages
import XCTest

/// `features` → `detect` on a tiny seeded model with both extra heads.
final class ModelStagesTests: XCTestCase {
    /// The tests' tiny Mask R-CNN with labels that map onto a `vps synth`-like
    /// label set, twenty detections per image whatever their scores.
    static func tinyModel(trackHead: Bool = true, semanticHead: Bool = true) throws -> MaskRCNN {
        var c = TinyModel.config(classNames: ["__background__", "car", "N/A", "person"])
        c.categoryIds = [0, 5, 0, 4]
        c.roiHeads.scoreThreshold = 0
        c.roiHeads.detectionsPerImage = 20
        if trackHead {
            var t = TrackHeadConfig()
            t.fcDims = [32, 12]
            c.trackHead = t
        }
        if semanticHead {
            var s = SemanticHeadConfig()
            s.convDims = 16
            s.groupNormGroups = 4
            s.classNames = ["things", "road", "sky"]
            s.categoryIds = [1, 2]
            c.semanticHead = s
        }
        return try MaskRCNN(config: c, weights: SeededModel.randomWeights(config: c, seed: 5))
    }

    static func image() -> RGBImage {
        var image = RGBImage(width: 80, height: 60)
        for i in image.pixels.indices { image.pixels[i] = UInt8((i * 13) % 256) }
        return image
    }

    func run(_ model: MaskRCNN) throws -> FrameDetections {
        var packet = Packet(frame: VideoFrame(index: 0, timestamp: 0, image: Self.image()))
        try FeaturesStage(model: model).process(&packet)
        XCTAssertTrue(packet[FeaturesKey.self]?.model === model, "the features carry their model")
        try DetectStage(scoreThreshold: nil).process(&packet)
        return try XCTUnwrap(packet[DetectionsKey.self])
    }

    func testDetectFillsCategoriesStuffAndEmbeddings() throws {
        let found = try run(try Self.tinyModel())
        XCTAssertEqual(found.categories, [Category(id: 5, name: "car", isThing: true), Category(id: 4, name: "person", isThing: true),
                                          Category(id: 1, name: "road", isThing: false), Category(id: 2, name: "sky", isThing: false)])
        XCTAssertEqual(found.labels.labelCategories, [0, 5, 0, 4])
        XCTAssertEqual(found.embeddings, .trackHead)
        // The model itself reports the N/A label; the stage drops those detections.
        let model = try Self.tinyModel()
        let raw = model.detect(model.features(Self.image()))
        XCTAssertTrue(raw.detections.contains { $0.category == 2 })
        XCTAssertEqual(found.detections.count, raw.detections.filter { $0.category != 2 }.count)
        XCTAssertGreaterThan(found.detections.count, 0)
        XCTAssertTrue(found.detections.allSatisfy { [5, 4].contains($0.category) }, "detections of the N/A label are dropped")
        XCTAssertEqual(found.detections.filter { $0.category == 5 }.count, raw.detections.filter { $0.category == 1 }.count,
                       "label 1 (car) becomes category 5")
        XCTAssertTrue(found.detections.allSatisfy { $0.embedding?.count == 12 })
        let stuff = try XCTUnwrap(found.stuff)
        XCTAssertEqual([stuff.width, stuff.height], [80, 60])
        XCTAssertTrue(Set(stuff.labels).isSubset(of: [0, 1, 2]), "stuff ids are category ids, 0 for 'things'")
    }

    func testThingsOnlyModelFallsBackToPooledFeatures() throws {
        let found = try run(try Self.tinyModel(trackHead: false, semanticHead: false))
        XCTAssertNil(found.stuff)
        XCTAssertEqual(found.embeddings, .pooledFeatures)
        XCTAssertEqual(found.categories.map(\.id), [5, 4])
        XCTAssertTrue(found.detections.allSatisfy { $0.embedding?.count == 16 })
    }

    func testDetectNeedsFeatures() throws {
        final class NoFrames: FrameSource {
            let name = "none"
            let expectedFrameCount: Int? = 0
            let warnings: [String] = []
            func next() throws -> VideoFrame? { nil }
        }
        XCTAssertThrowsError(try Pipeline(source: NoFrames(), stages: [DetectStage(scoreThreshold: nil)])) { error in
            XCTAssertTrue("\(error)".contains("needs 'features'"), "\(error)")
        }
        XCTAssertNotNil(StandardStages.registry.definitions.first { $0.name == "features" })
    }
}
