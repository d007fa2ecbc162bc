import VPSCore
import VPSPanoptic
import VPSPipeline
import VPSStages
import VPSTracking
import XCTest

/// `per-frame` is written as `default` less `motion`, with a greedy tracker
/// without motion compensation; resolved, it is the pipeline it was when it
/// spelled every stage out.
final class PerFramePipelineTests: XCTestCase {
    /// per-frame.yaml as it read when it listed every stage.
    static let spelledOut = #"""
        # vps annotate --pipeline per-frame: the baseline. No motion map, no
        # motion compensation; VPSNet's / MaskTrack R-CNN's greedy association
        # (box IoU with each object's last box, argmax per detection).
        name: per-frame
        description: "Baseline — per-frame detection with greedy IoU association (VPSNet's rule)"
        queue_capacity: 4
        stages:
          - decode: {}
          - features:
              weights: ""          # `vps annotate --weights FILE` sets it
          - detect: {}
          - track:
              method: greedy
              motion_compensation: false
              iou_weight: 2.0
              label_weight: 10.0
              score_weight: 1.0
              # new_object_logit: unset, 0 for a trained track head (MaskTrack R-CNN), 7 for pooled embeddings
          - panoptic:
              score_threshold: 0.5       # Detectron2's instances_score_thresh
              overlap_threshold: 0.5     # drop an instance mostly covered by better ones
              stuff_area_threshold: 4096 # smallest stuff region kept, in pixels
          - render:
              mode: panoptic
              mask_opacity: 0.5
              stuff_opacity: 0.25
              trails: 0            # frames of motion trail per track (0: off)
              # label_scale: 0.45  # label font scale; unset: follows the frame height
          - encode:
              preset: veryfast
              crf: 20
        """#

    /// A stage's settings as the stage decodes them, for comparing two spellings.
    private func typed(_ stage: StageSpec) throws -> String {
        let s = StageSettings(stage: stage.name, values: stage.settings)
        switch stage.name {
        case "decode": return "\(try s.decode(DecodeSource.Settings.self))"
        case "features": return "\(try s.decode(FeaturesStage.Settings.self))"
        case "detect": return "\(try s.decode(DetectStage.Settings.self))"
        case "track":
            // The keys set matter too: embedding_scale and new_object_logit follow the embeddings unless set.
            let own = try s.decode(TrackStage.Settings.self, excluding: Set(TrackerConfig.settingKeys))
            let config = try s.decode(TrackerConfig.self, excluding: Set(TrackStage.Settings.settingKeys))
            let explicit = stage.settings.keys.filter { $0 == "embedding_scale" || $0 == "new_object_logit" }.sorted()
            return "\(own) \(config) \(explicit)"
        case "panoptic": return "\(try s.decode(PanopticFusion.self))"
        case "render": return "\(try s.decode(RenderStage.Settings.self))"
        case "encode": return "\(try s.decode(EncodeStage.Settings.self))"
        default: throw VPSError.invalidPipeline("no typed settings for \(stage.name) in this test")
        }
    }

    func testResolvedPerFrameIsTheSpelledOutOne() throws {
        let old = try PipelineSpec.parse(yaml: Self.spelledOut, origin: "per-frame.yaml (spelled out)")
        let new = try PipelineSpec.builtin("per-frame", in: BuiltinPipelines.yaml)
        XCTAssertTrue(BuiltinPipelines.yaml["per-frame"]!.contains("base: default"))
        XCTAssertEqual(new.name, old.name)
        XCTAssertEqual(new.description, old.description)
        XCTAssertEqual(new.queueCapacity, old.queueCapacity)
        XCTAssertEqual(new.stages.map(\.name), old.stages.map(\.name))
        for (a, b) in zip(old.stages, new.stages) {
            // every setting the spelled-out file gives is there, with its value …
            for (key, value) in a.settings { XCTAssertEqual(b.settings[key], value, "\(a.name).\(key)") }
            // … and the ones default.yaml adds are the stage's defaults
            XCTAssertEqual(try typed(b), try typed(a), a.name)
        }
        let keys = { (p: PipelineSpec) in Set(p.stages.flatMap { s in s.settings.keys.map { "\(s.name).\($0)" } }) }
        XCTAssertEqual(keys(new).subtracting(keys(old)), ["track.new_object_iou", "track.embedding_momentum", "track.velocity_momentum",
                                                          "track.confirm_hits", "track.max_lost_frames", "track.max_lost_tracks"])
    }

    /// per-frame is default without `motion`, its tracker changed in two keys.
    func testPerFrameTrackDiffersFromDefaultOnlyWhereItSays() throws {
        let base = try PipelineSpec.builtin("default", in: BuiltinPipelines.yaml)
        let derived = try PipelineSpec.builtin("per-frame", in: BuiltinPipelines.yaml)
        let track = { (p: PipelineSpec) in p.stages.first { $0.name == "track" }!.settings }
        var expected = track(base)
        expected["method"] = .string("greedy")
        expected["motion_compensation"] = .bool(false)
        XCTAssertEqual(track(derived), expected)
        XCTAssertEqual(base.stages.filter { $0.name != "motion" && $0.name != "track" },
                       derived.stages.filter { $0.name != "track" })
    }
}
