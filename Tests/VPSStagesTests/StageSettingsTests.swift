import VPSCore
import VPSPanoptic
import VPSPipeline
import VPSStages
import VPSTracking
import XCTest

/// Every stage's settings decode into its `SettingsDecodable` type: absent
/// keys keep the defaults, each key is read, and wrong kinds, unknown keys
/// and out-of-range values are errors.
final class StageSettingsTests: XCTestCase {
    private func decode<S: SettingsDecodable>(_ type: S.Type, _ stage: String, _ values: [String: SettingValue],
                                              excluding: Set<String> = []) throws -> S {
        try StageSettings(stage: stage, values: values).decode(type, excluding: excluding)
    }

    private func message<S: SettingsDecodable>(_ type: S.Type, _ stage: String, _ values: [String: SettingValue]) -> String {
        do { _ = try decode(type, stage, values); return "decoded" } catch { return "\(error)" }
    }

    /// The table's key lists are the settings types' keys, in order.
    func testStageKeysComeFromTheSettingsTypes() throws {
        let keys = Dictionary(uniqueKeysWithValues: StandardStages.registry.definitions.map { ($0.name, $0.keys) })
        XCTAssertEqual(keys["decode"], DecodeSource.Settings.settingKeys)
        XCTAssertEqual(keys["motion"], ["method", "preset", "scale"])
        XCTAssertEqual(keys["features"], ["weights", "model_config", "interval", "max_motion", "max_outside", "propagate"])
        XCTAssertEqual(keys["fuse"], ["mode", "temperature", "window"])
        XCTAssertEqual(keys["detect"], ["score_threshold"])
        XCTAssertEqual(keys["propagate"], [])
        XCTAssertEqual(keys["track"], ["method"] + TrackerConfig.settingKeys)
        XCTAssertEqual(keys["panoptic"], ["overlap_threshold", "stuff_area_threshold", "score_threshold"])
        XCTAssertEqual(keys["load_panoptic"], ["path"])
        XCTAssertEqual(keys["render"], ["mode", "side_by_side", "max_magnitude", "mask_opacity", "stuff_opacity", "trails", "label_scale"])
        XCTAssertEqual(keys["export"], ["path", "format", "input"])
        XCTAssertEqual(keys["encode"], ["preset", "crf", "keep_first", "keep_last"])
    }

    /// Empty settings are the defaults (those that need a value say so).
    func testDefaults() throws {
        XCTAssertEqual(try decode(DecodeSource.Settings.self, "decode", [:]).threads, nil)
        let motion = try decode(MotionStage.Settings.self, "motion", [:])
        XCTAssertEqual([motion.method, motion.preset], ["dis", "fast"])
        XCTAssertEqual(motion.scale, 1)
        XCTAssertEqual(try decode(FeaturesStage.Settings.self, "features", [:]), FeaturesStage.Settings())
        XCTAssertEqual(FeaturesStage.Settings().weights, "")
        XCTAssertNil(try decode(DetectStage.Settings.self, "detect", [:]).scoreThreshold)
        XCTAssertEqual(try decode(TrackStage.Settings.self, "track", [:]).method, .hungarian)
        XCTAssertEqual(try decode(TrackerConfig.self, "track", [:]), TrackerConfig())
        XCTAssertEqual(try decode(PanopticFusion.self, "panoptic", [:]),
                       PanopticFusion(overlapThreshold: 0.5, stuffAreaThreshold: 4096, scoreThreshold: 0.5))
        let render = try decode(RenderStage.Settings.self, "render", [:])
        XCTAssertEqual(render.mode, .flow)
        XCTAssertEqual([render.maskOpacity, render.stuffOpacity], [0.5, 0.25])
        XCTAssertEqual(render.trails, 0)
        XCTAssertNil(render.labelScale)
        XCTAssertNil(render.maxMagnitude)
        XCTAssertFalse(render.sideBySide)
        let export = try decode(ExportStage.Settings.self, "export", ["path": .string("out.json")])
        XCTAssertEqual(export.format, "coco")
        XCTAssertEqual(export.input, .panoptic)
        let encode = try decode(EncodeStage.Settings.self, "encode", [:])
        XCTAssertEqual(encode.preset, "veryfast")
        XCTAssertEqual(encode.crf, 20)
        XCTAssertNil(encode.keep)
        XCTAssertTrue(message(LoadPanopticStage.Settings.self, "load_panoptic", [:]).contains("load_panoptic needs a path"))
        XCTAssertTrue(message(ExportStage.Settings.self, "export", [:]).contains("export needs a path (--export FILE)"))
    }

    /// Setting any one key changes the decoded value: no key is listed but left unread.
    func testEveryKeyIsRead() throws {
        /// Probes each key; returns the keys covered (probed or fixed), which should be all.
        @discardableResult
        func check<S: SettingsDecodable & Equatable>(_ type: S.Type, _ stage: String, _ probes: [String: SettingValue],
                                                      with fixed: [String: SettingValue] = [:], partial: Bool = false,
                                                      line: UInt = #line) throws -> Set<String> {
            let covered = Set(probes.keys).union(fixed.keys)
            if !partial { XCTAssertEqual(covered, Set(S.settingKeys), "\(stage): a key without a probe", line: line) }
            let plain = try decode(type, stage, fixed)
            for (key, value) in probes {
                XCTAssertNotEqual(try decode(type, stage, fixed.merging([key: value]) { $1 }), plain, "\(stage).\(key)", line: line)
            }
            return covered
        }
        try check(DecodeSource.Settings.self, "decode", ["threads": .int(2)])
        try check(MotionStage.Settings.self, "motion", ["method": .string("farneback"), "preset": .string("medium"), "scale": .double(0.5)])
        try check(FeaturesStage.Settings.self, "features", ["weights": .string("m.safetensors"), "model_config": .string("c.json"),
                                                            "interval": .int(5), "max_motion": .double(8), "max_outside": .double(0.1),
                                                            "propagate": .string("masks")])
        try check(FuseStage.Settings.self, "fuse", ["mode": .string("none"), "temperature": .double(3), "window": .int(2)])
        try check(DetectStage.Settings.self, "detect", ["score_threshold": .double(0.3)])
        try check(TrackStage.Settings.self, "track", ["method": .string("greedy")])
        try check(TrackerConfig.self, "track", [
            "embedding_scale": .double(2), "new_object_logit": .double(1), "new_object_iou": .double(0.1),
            "score_weight": .double(0.5), "iou_weight": .double(1), "label_weight": .double(3),
            "motion_compensation": .bool(false), "confirm_hits": .int(3), "max_lost_frames": .int(5),
            "max_lost_tracks": .int(6), "embedding_momentum": .double(0.1), "velocity_momentum": .double(0.2),
        ])
        try check(PanopticFusion.self, "panoptic", ["overlap_threshold": .double(0.3), "stuff_area_threshold": .int(64),
                                                    "score_threshold": .double(0.7)])
        try check(LoadPanopticStage.Settings.self, "load_panoptic", ["path": .string("b")], with: ["path": .string("a")])
        // render: each mode's keys with that mode
        let flow = try check(RenderStage.Settings.self, "render", ["side_by_side": .bool(true), "max_magnitude": .double(4)],
                             with: ["mode": .string("flow")], partial: true)
        let panoptic = try check(RenderStage.Settings.self, "render", ["mask_opacity": .double(0.2), "stuff_opacity": .double(0.4),
                                                                       "trails": .int(3), "label_scale": .double(0.6)],
                                 with: ["mode": .string("panoptic")], partial: true)
        try check(RenderStage.Settings.self, "render", ["mode": .string("instances")], partial: true)
        XCTAssertEqual(flow.union(panoptic), Set(RenderStage.Settings.settingKeys))
        try check(ExportStage.Settings.self, "export", ["format": .string("mots"), "input": .string("detections")],
                  with: ["path": .string("out")])
        try check(EncodeStage.Settings.self, "encode", ["preset": .string("medium"), "crf": .int(30),
                                                        "keep_first": .int(2), "keep_last": .int(9)])
    }

    func testWrongKindsAreNamed() {
        let cases: [(String, [String: SettingValue], String)] = [
            ("motion", ["scale": .string("half")], "setting 'scale' of stage 'motion' must be a number"),
            ("features", ["weights": .int(1)], "setting 'weights' of stage 'features' must be a string"),
            ("detect", ["score_threshold": .bool(true)], "setting 'score_threshold' of stage 'detect' must be a number"),
            ("track", ["motion_compensation": .int(0)], "setting 'motion_compensation' of stage 'track' must be true or false"),
            ("track", ["confirm_hits": .double(2.5)], "setting 'confirm_hits' of stage 'track' must be a whole number"),
            ("track", ["method": .int(1)], "setting 'method' of stage 'track' must be a string"),
            ("panoptic", ["stuff_area_threshold": .double(40.5)], "'stuff_area_threshold' of stage 'panoptic' must be a whole number"),
            ("load_panoptic", ["path": .bool(true)], "setting 'path' of stage 'load_panoptic' must be a string"),
            ("render", ["mode": .string("flow"), "side_by_side": .string("yes")], "setting 'side_by_side' of stage 'render' must be true or false"),
            ("render", ["mode": .int(2)], "setting 'mode' of stage 'render' must be a string"),
            ("export", ["path": .string("o"), "input": .int(1)], "setting 'input' of stage 'export' must be a string"),
            ("encode", ["crf": .double(20)], "setting 'crf' of stage 'encode' must be a whole number, got '20.0'"),
        ]
        for (stage, values, expected) in cases {
            let m: String
            do { _ = try buildStage(stage, values, output: "/tmp/never-written.mp4"); m = "built" } catch { m = "\(error)" }
            XCTAssertTrue(m.contains(expected), "\(stage) \(values): \(m)")
        }
        XCTAssertTrue(message(DecodeSource.Settings.self, "decode", ["threads": .string("many")])
            .contains("setting 'threads' of stage 'decode' must be a whole number, got 'many'"))
    }

    /// Outside the stage table (e.g. decoding JSON), an unknown key is caught by the type itself.
    func testUnknownKeysAreNamedByTheType() {
        XCTAssertTrue(message(EncodeStage.Settings.self, "encode", ["crf": .int(20), "quality": .int(3)])
            .contains("encode: unknown setting 'quality' (valid: preset, crf, keep_first, keep_last)"))
        XCTAssertTrue(message(PanopticFusion.self, "panoptic", ["overlap": .double(0.5)])
            .contains("panoptic: unknown setting 'overlap' (valid: overlap_threshold, stuff_area_threshold, score_threshold)"))
        XCTAssertTrue(message(RenderStage.Settings.self, "render", ["colour": .string("red")]).contains("render: unknown setting 'colour'"))
        XCTAssertTrue(message(MotionStage.Settings.self, "motion", ["prest": .string("fast")]).contains("motion: unknown setting 'prest'"))
        XCTAssertThrowsError(try buildStage("encode", ["quality": .int(3)])) {
            XCTAssertTrue("\($0)".contains("stage 'encode' has no setting 'quality'; valid: preset, crf, keep_first, keep_last"), "\($0)")
        }
    }

    func testRangesAreChecked() {
        let cases: [(String, [String: SettingValue], String)] = [
            ("detect", ["score_threshold": .double(1.5)], "--score-threshold must be within 0…1, got 1.5"),
            ("track", ["embedding_momentum": .double(2)], "track: embedding_momentum must be in 0…1"),
            ("track", ["method": .string("sort")], "track method 'sort' is unknown; valid: hungarian, greedy"),
            ("panoptic", ["overlap_threshold": .double(1.5)], "panoptic overlap_threshold must be within 0…1"),
            ("load_panoptic", ["path": .string("")], "load_panoptic needs a path (a panoptic directory)"),
            ("render", ["mode": .string("instances"), "mask_opacity": .double(-0.1)], "render mask_opacity must be within 0…1, got -0.1"),
            ("render", ["mode": .string("flow"), "max_magnitude": .double(0)], "render max_magnitude must be positive, got 0.0"),
            ("render", ["mode": .string("instances"), "trails": .int(3)], "render setting 'trails' applies to mode panoptic, not instances"),
            ("export", ["path": .string("o"), "input": .string("tracks")], "export input 'tracks' is unknown; valid: panoptic, detections"),
            ("export", ["path": .string("")], "export needs a path (--export FILE)"),
            ("encode", ["crf": .int(52)], "encode crf must be 0…51, got 52"),
            ("encode", ["preset": .string("warp")], "encode preset 'warp' is unknown; valid: ultrafast, superfast, veryfast"),
            ("encode", ["keep_first": .int(5), "keep_last": .int(4)], "encode keep_first must be 0…keep_last"),
        ]
        for (stage, values, expected) in cases {
            let m: String
            do { _ = try buildStage(stage, values, output: "/tmp/never-written.mp4"); m = "built" } catch { m = "\(error)" }
            XCTAssertTrue(m.contains(expected), "\(stage) \(values): \(m)")
        }
        let keep = try? decode(EncodeStage.Settings.self, "encode", ["keep_first": .int(3), "keep_last": .int(7)])
        XCTAssertEqual(keep?.keep, 3...7)
    }
}
