import VPSCore
import VPSPanoptic
import VPSFormats
import VPSPipeline
import VPSStages
import XCTest

final class PanopticStageTests: XCTestCase {
    /// Defaults are Detectron2's; every threshold can be set.
    func testBuildsFromSettings() throws {
        let noModelThresholds = FrameDetections(modelOutput: [], labels: LabelSet(classNames: testClassNames))
        let plain = try XCTUnwrap(try buildStage("panoptic", [:]) as? PanopticStage)
        XCTAssertEqual(plain.fusion(for: noModelThresholds), PanopticFusion(overlapThreshold: 0.5, stuffAreaThreshold: 4096, scoreThreshold: 0.5))
        let set = try XCTUnwrap(try buildStage("panoptic", ["overlap_threshold": .double(0.3), "stuff_area_threshold": .int(64),
                                                             "score_threshold": .int(0)]) as? PanopticStage)
        XCTAssertEqual(set.fusion(for: noModelThresholds), PanopticFusion(overlapThreshold: 0.3, stuffAreaThreshold: 64, scoreThreshold: 0))
        XCTAssertEqual(set.requires, [DetectionsKey.name, TracksKey.name])
        XCTAssertEqual(set.provides, [PanopticKey.name])
    }

    /// A model's own thresholds (`SemanticHeadConfig.combine`) apply where the pipeline sets none.
    func testModelThresholdsApplyUnlessThePipelineSetsThem() throws {
        let combine = PanopticFusion(stuffAreaThreshold: 16, scoreThreshold: 0.2)
        let found = FrameDetections(modelOutput: [], labels: LabelSet(classNames: testClassNames), modelFusion: combine)
        let plain = try XCTUnwrap(try buildStage("panoptic", [:]) as? PanopticStage)
        XCTAssertEqual(plain.fusion(for: found), PanopticFusion(overlapThreshold: 0.5, stuffAreaThreshold: 16, scoreThreshold: 0.2))
        let set = try XCTUnwrap(try buildStage("panoptic", ["stuff_area_threshold": .int(64)]) as? PanopticStage)
        XCTAssertEqual(set.fusion(for: found), PanopticFusion(overlapThreshold: 0.5, stuffAreaThreshold: 64, scoreThreshold: 0.2))
        // A stage built with explicit thresholds uses them whatever the model says.
        XCTAssertEqual(PanopticStage(fusion: PanopticFusion(stuffAreaThreshold: 8)).fusion(for: found), PanopticFusion(stuffAreaThreshold: 8))
    }

    /// Out-of-range or mistyped thresholds fail with a message naming the setting.
    func testRejectsBadSettings() {
        let bad: [([String: SettingValue], String)] = [
            (["overlap_threshold": .double(1.5)], "overlap_threshold must be within 0…1"),
            (["overlap_threshold": .double(.nan)], "overlap_threshold must be within 0…1"),
            (["stuff_area_threshold": .int(-1)], "stuff_area_threshold must be a pixel count"),
            (["stuff_area_threshold": .double(40.5)], "'stuff_area_threshold' of stage 'panoptic' must be a whole number"),
            (["score_threshold": .double(-0.1)], "score_threshold must be within 0…1"),
            (["score_threshold": .string("high")], "'score_threshold' of stage 'panoptic' must be a number"),
        ]
        for (settings, message) in bad {
            XCTAssertThrowsError(try buildStage("panoptic", settings), "\(settings)") { e in
                guard case VPSError.invalidPipeline(let m) = e else { return XCTFail("\(e)") }
                XCTAssertTrue(m.contains(message), m)
            }
        }
    }

    /// Tracked detections become things (category·1000 + instance, track ID
    /// kept), an untracked one is left out, stuff fills the rest when large
    /// enough, and the categories travel with the frame.
    func testFusesTrackedDetectionsAndStuff() throws {
        let w = 20, h = 10
        let dets = [rectDetection(label: 1, score: 0.9, w, h, 0, 0, 5, 5),
                    rectDetection(label: 2, score: 0.8, w, h, 10, 0, 15, 5),
                    rectDetection(label: 1, score: 0.95, w, h, 5, 5, 10, 10)]
        var stuff = [Int32](repeating: 51, count: w * h)
        for x in 0..<15 { stuff[9 * w + x] = 52 }  // a thin strip: 15 free pixels
        let cats = [Category(id: 1, name: "person", isThing: true), Category(id: 2, name: "car", isThing: true),
                    Category(id: 51, name: "road", isThing: false), Category(id: 52, name: "curb", isThing: false)]
        var p = packet(4, RGBImage(width: w, height: h))
        let labels = LabelSet(classNames: testClassNames, stuffClassNames: ["things", "road", "curb"], stuffCategories: [0, 51, 52])
        p[DetectionsKey.self] = FrameDetections(modelOutput: dets, labels: labels,
                                                semantic: LabelMap(width: w, height: h, labels: stuff.map { $0 - 50 }))
        p[TracksKey.self] = FrameTracks(trackIds: [3, 12, nil])
        try PanopticStage(fusion: PanopticFusion(stuffAreaThreshold: 16)).process(&p)
        let r = try XCTUnwrap(p[PanopticKey.self])
        XCTAssertEqual(r.categories, cats)
        XCTAssertEqual(r.frame.index, 4)
        XCTAssertEqual(r.frame.segments.map(\.id), [1003, 2012, 51000])
        XCTAssertEqual(r.frame.segments.map(\.trackId), [3, 12, 51000])
        XCTAssertEqual(r.frame.segments.map(\.area), [25, 25, 200 - 50 - 15])
        XCTAssertEqual(r.frame.segments[0].score, Double(Float(0.9)))
        XCTAssertEqual(r.frame.ids[9 * w + 7], 0, "the untracked detection and the small stuff strip are void")
        XCTAssertEqual(r.frame.ids[2 * w + 2], 1003)
    }

    /// A frame whose track IDs are a gap gets a panoptic gap; missing or
    /// inconsistent inputs are internal failures.
    func testGapsMissingAndMismatchedInputs() throws {
        let w = 8, h = 6
        var p = packet(0, RGBImage(width: w, height: h))
        p[DetectionsKey.self] = FrameDetections(modelOutput: [rectDetection(label: 1, score: 0.9, w, h, 0, 0, 2, 2)],
                                                labels: LabelSet(classNames: testClassNames))
        XCTAssertThrowsError(try PanopticStage().process(&p)) { XCTAssertTrue("\($0)".contains("has no 'tracks'"), "\($0)") }
        p.markGap(TracksKey.self)
        try PanopticStage().handle(&p)
        XCTAssertNil(p[PanopticKey.self])
        XCTAssertTrue(p.isGap(PanopticKey.self), "the gap travels on")
        p[TracksKey.self] = FrameTracks(trackIds: [1, 2])
        XCTAssertThrowsError(try PanopticStage().process(&p)) { XCTAssertTrue("\($0)".contains("2 track IDs for 1 detections"), "\($0)") }
        p[TracksKey.self] = FrameTracks(trackIds: [1])
        p[DetectionsKey.self]!.detections[0].mask = .rectangle(frameWidth: 9, frameHeight: h, x0: 0, y0: 0, x1: 2, y1: 2)
        XCTAssertThrowsError(try PanopticStage().process(&p)) { XCTAssertTrue("\($0)".contains("9x6"), "\($0)") }
    }
}
