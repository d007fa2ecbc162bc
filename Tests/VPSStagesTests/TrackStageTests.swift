import TestSupport
import VPSCore
import VPSFormats
import VPSPanoptic
import VPSPipeline
import VPSStages
import XCTest

/// The `track` stage as the pipeline builds and runs it.
final class TrackStageTests: XCTestCase {
    static let size = (w: 64, h: 48)

    /// A detector output: a filled square of `side` pixels at (x, y).
    static func detection(x: Int, y: Int, side: Int, label: Int, score: Float, embedding: [Float]? = nil) -> Instance {
        Instance(category: label, score: Double(score),
                 mask: .rectangle(frameWidth: size.w, frameHeight: size.h, x0: x, y0: y, x1: x + side, y1: y + side),
                 embedding: embedding)
    }

    static func packet(_ index: Int, _ dets: [Instance], embeddings: EmbeddingSource = .none,
                       motion: FlowField? = nil) -> Packet {
        var p = Packet(frame: VideoFrame(index: index, timestamp: Double(index), image: RGBImage(width: size.w, height: size.h)))
        p[DetectionsKey.self] = FrameDetections(modelOutput: dets, labels: LabelSet(classNames: ["__background__", "a", "b"]),
                                                embeddings: embeddings)
        if let motion { p[MotionKey.self] = motion }
        return p
    }

    static func build(_ settings: [String: SettingValue]) throws -> Stage { try buildStage("track", settings) }

    /// Two objects moving right: their IDs persist, a new one is reported
    /// after `confirm_hits` frames.
    func testIDsPersistAcrossFrames() throws {
        let stage = try Self.build(["confirm_hits": .int(1)])
        var ids: [[Int?]] = []
        for t in 0..<5 {
            var dets = [Self.detection(x: 2 + 3 * t, y: 4, side: 10, label: 1, score: 0.9),
                        Self.detection(x: 30 + 2 * t, y: 20, side: 12, label: 2, score: 0.8)]
            if t >= 3 { dets.append(Self.detection(x: 5, y: 34, side: 8, label: 1, score: 0.7)) }
            var p = Self.packet(t, dets)
            try stage.process(&p)
            ids.append(try XCTUnwrap(p[TracksKey.self]).trackIds)
        }
        XCTAssertEqual(ids, [[1, 2], [1, 2], [1, 2], [1, 2, 3], [1, 2, 3]])
    }

    /// With `confirm_hits: 2` a new object is unreported in its first frame;
    /// the greedy baseline reports it at once.
    func testConfirmationAndGreedyBaseline() throws {
        let hungarian = try Self.build([:])
        let greedy = try Self.build(["method": .string("greedy"), "motion_compensation": .bool(false)])
        for (stage, expected) in [(hungarian, [[nil], [1]] as [[Int?]]), (greedy, [[1], [1]])] {
            var got: [[Int?]] = []
            for t in 0..<2 {
                var p = Self.packet(t, [Self.detection(x: 10 + t, y: 10, side: 10, label: 1, score: 0.9)])
                try stage.process(&p)
                got.append(p[TracksKey.self]!.trackIds)
            }
            XCTAssertEqual(got, expected)
        }
    }

    /// A motion map computed at half resolution is resampled to the frame and
    /// compensates a jump that plain IoU would miss.
    func testMotionMapAtReducedScaleCompensates() throws {
        let stage = try Self.build(["confirm_hits": .int(1), "new_object_logit": .double(0), "embedding_scale": .double(0)])
        var p0 = Self.packet(0, [Self.detection(x: 2, y: 10, side: 8, label: 1, score: 0.9)])
        try stage.process(&p0)
        // The object jumps 20 px right; the flow (t → t−1) at half scale says −10.
        var p1 = Self.packet(1, [Self.detection(x: 22, y: 10, side: 8, label: 1, score: 0.9)],
                             motion: FlowField(width: Self.size.w / 2, height: Self.size.h / 2, constant: (dx: -10, dy: 0)))
        try stage.process(&p1)
        XCTAssertEqual(p1[TracksKey.self]!.trackIds, [1])
        // Without the motion map the same jump starts a new track (IoU 0, and a
        // new object's label term equals the old track's).
        let plain = try Self.build(["confirm_hits": .int(1), "new_object_logit": .double(0), "embedding_scale": .double(0),
                                    "motion_compensation": .bool(false), "label_weight": .double(0)])
        var q0 = Self.packet(0, [Self.detection(x: 2, y: 10, side: 8, label: 1, score: 0.9)])
        try plain.process(&q0)
        var q1 = Self.packet(1, [Self.detection(x: 22, y: 10, side: 8, label: 1, score: 0.9)])
        try plain.process(&q1)
        XCTAssertEqual(q1[TracksKey.self]!.trackIds, [2])
    }

    /// Track-head embeddings are learned logits: unless the pipeline sets
    /// `embedding_scale`, the stage uses 1 for them, and the scale decides.
    func testEmbeddingScaleFollowsTheSource() throws {
        // Two same-class objects swap appearance between frames 0 and 1; each
        // stays where it was. Unit embeddings, 'new object' logit 0.
        let e1: [Float] = [1, 0], e2: [Float] = [0, 1]
        func run(_ stage: Stage) throws -> [Int?] {
            var p0 = Self.packet(0, [Self.detection(x: 5, y: 5, side: 10, label: 1, score: 0.9, embedding: e1),
                                     Self.detection(x: 40, y: 5, side: 10, label: 1, score: 0.9, embedding: e2)], embeddings: .trackHead)
            try stage.process(&p0)
            var p1 = Self.packet(1, [Self.detection(x: 5, y: 5, side: 10, label: 1, score: 0.9, embedding: e2),
                                     Self.detection(x: 40, y: 5, side: 10, label: 1, score: 0.9, embedding: e1)], embeddings: .trackHead)
            try stage.process(&p1)
            return p1[TracksKey.self]!.trackIds
        }
        // Per detection the logits are [0 (new), s·dot with track 1, s·dot with track 2]:
        // the matching appearance gets s, the other 0. At s = 1 the appearance
        // log-probabilities differ by 1 while IoU (weight 2, IoU 1 vs 0) favours staying:
        // staying scores 2 × (−1.55 + 2) = 0.90 against 2 × (−0.55) = −1.10 for swapping.
        // At the default s = 10 the difference is 10 and the swap wins (2 × −0.0001
        // against 2 × (−10.0001 + 2)).
        let unset = try run(try Self.build(["confirm_hits": .int(1), "new_object_logit": .double(0)]))
        XCTAssertEqual(unset, [1, 2], "track-head embeddings without embedding_scale use scale 1")
        // The same embeddings with the scale set to 10 explicitly: appearance wins.
        XCTAssertEqual(try run(try Self.build(["confirm_hits": .int(1), "new_object_logit": .double(0),
                                               "embedding_scale": .double(10)])), [2, 1])
        // Scale 0 set explicitly: appearance is ignored, position wins.
        XCTAssertEqual(try run(try Self.build(["confirm_hits": .int(1), "new_object_logit": .double(0),
                                               "embedding_scale": .double(0)])), [1, 2])
    }

    func testNewObjectLogitFollowsTheSource() throws {
        // One object, still, the same unit embedding in frames 0 and 1 (dot 1).
        // At scale 1 its logits are [l (new), 1 (the track)]. With MaskTrack
        // R-CNN's l = 0: log-softmax −1.31 (new) vs −0.31, plus IoU 2 × 1 for the
        // track: it keeps ID 1. With l = 7: −0.0025 (new) vs −6.0025 + 2: a new ID.
        func run(_ stage: Stage) throws -> [Int?] {
            for t in 0..<2 {
                var p = Self.packet(t, [Self.detection(x: 5, y: 5, side: 10, label: 1, score: 0.9, embedding: [1, 0])],
                                    embeddings: .trackHead)
                try stage.process(&p)
                if t == 1 { return p[TracksKey.self]!.trackIds }
            }
            return []
        }
        XCTAssertEqual(try run(try Self.build(["confirm_hits": .int(1)])), [1],
                       "track-head embeddings without new_object_logit use MaskTrack R-CNN's 0")
        XCTAssertEqual(try run(try Self.build(["confirm_hits": .int(1), "new_object_logit": .double(7)])), [2])
    }

    func testBadSettingsAreNamed() {
        func message(_ s: [String: SettingValue]) -> String {
            do { _ = try Self.build(s); return "built" } catch { return "\(error)" }
        }
        XCTAssertTrue(message(["method": .string("sort")]).contains("track method 'sort' is unknown"))
        XCTAssertTrue(message(["confirm_hits": .int(0)]).contains("confirm_hits must be ≥ 1"))
        XCTAssertTrue(message(["iou_weight": .string("high")]).contains("iou_weight"))
    }
}
