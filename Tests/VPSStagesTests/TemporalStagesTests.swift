import TestSupport
import VPSCore
import VPSDetection
import VPSFormats
import VPSPanoptic
import VPSPipeline
import VPSStages
import XCTest

/// Key frames in `features`, the `fuse` stage and the `propagate` stage, on
/// the tests' tiny model.
final class TemporalStagesTests: XCTestCase {
    func frames(_ n: Int) -> [Packet] {
        (0..<n).map { i in
            var p = packet(i, ModelStagesTests.image())
            p[MotionKey.self] = FlowField(width: 80, height: 60)
            return p
        }
    }

    func features(_ p: Packet) throws -> [[Float]] {
        try p.require(FeaturesKey.self).maps.levels.map { $0.converted(to: .nchw).array }
    }

    /// Interval 3: the backbone runs on frames 0, 3, 6; the frames between
    /// get the key frame's features carried by the (here zero) motion.
    func testKeyFramesEveryIntervalCarryFeatures() throws {
        let model = try ModelStagesTests.tinyModel()
        let stage = FeaturesStage(model: model, schedule: KeyFrameSchedule(interval: 3))
        XCTAssertEqual(stage.requires, [FrameKey.name, MotionKey.name])
        var packets = frames(7)
        for i in packets.indices { try stage.handle(&packets[i]) }
        XCTAssertEqual(stage.keyFrames, 3)
        let key = try features(packets[3])
        XCTAssertEqual(try features(packets[4]), key, "zero motion carries the key frame's features unchanged")
        XCTAssertEqual(try features(packets[5]), key)
        XCTAssertEqual(try features(packets[3]), try features(packets[0]), "the same image gives the same features")
    }

    /// Large motion since the key frame forces a key frame early; with
    /// `propagate: masks` the frames between are gaps.
    func testAdaptiveKeyFramesAndMaskPropagationGaps() throws {
        let model = try ModelStagesTests.tinyModel()
        let adaptive = FeaturesStage(model: model, schedule: KeyFrameSchedule(interval: 10, maxMotion: 5))
        var packets = frames(4)
        for i in packets.indices {
            packets[i][MotionKey.self] = FlowField(width: 80, height: 60, constant: (2, 0))
            try adaptive.handle(&packets[i])
        }
        // Composed motion: 2, 4, then 6 px > 5 at frame 3.
        XCTAssertEqual(adaptive.keyFrames, 2)
        let gaps = FeaturesStage(model: model, schedule: KeyFrameSchedule(interval: 2, propagate: .masks))
        packets = frames(4)
        for i in packets.indices { try gaps.handle(&packets[i]) }
        XCTAssertEqual(packets.map { $0.isGap(FeaturesKey.self) }, [false, true, false, true])
        try DetectStage(scoreThreshold: nil).handle(&packets[1])
        XCTAssertTrue(packets[1].isGap(DetectionsKey.self), "detect skips the gap and passes it on")
    }

    /// `fuse` with zero motion and the same image every frame changes
    /// nothing; a different model's features are not fused; settings are checked.
    func testFuseStage() throws {
        let model = try ModelStagesTests.tinyModel()
        let features = FeaturesStage(model: model)
        let fuse = FuseStage(mode: .cosine, window: 2)
        var packets = frames(3)
        var raw: [[[Float]]] = []
        for i in packets.indices {
            try features.handle(&packets[i])
            raw.append(try self.features(packets[i]))
            try fuse.handle(&packets[i])
        }
        for i in packets.indices {
            let fused = try self.features(packets[i])
            for (a, b) in zip(fused.joined(), raw[i].joined()) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        }
        XCTAssertThrowsError(try buildStage("fuse", ["mode": .string("attention")])) {
            XCTAssertEqual("\($0)", "invalid pipeline: fuse mode 'attention' is unknown; valid: none, cosine, learned")
        }
        var packet = frames(1)[0]
        try features.handle(&packet)
        XCTAssertThrowsError(try FuseStage(mode: .learned).handle(&packet), "the tiny model has no fuse head") {
            XCTAssertEqual("\($0)", "invalid pipeline: fuse mode learned needs a checkpoint with a fusion head (fuse_head.*); "
                           + "this one has none: use mode cosine or none")
        }
        XCTAssertThrowsError(try buildStage("fuse", ["window": .int(0)]))
        XCTAssertThrowsError(try buildStage("features", ["interval": .int(0)]))
        XCTAssertThrowsError(try buildStage("features", ["propagate": .string("boxes")]))
    }

    /// On a frame detect skipped, `propagate` carries the last detections by
    /// the motion map (masks and boxes moved, stuff moved, marked propagated).
    func testPropagateCarriesTheLastDetections() throws {
        let w = 20, h = 10
        let labels = LabelSet(classNames: testClassNames, stuffClassNames: ["things", "road"], stuffCategories: [0, 51])
        var stuff = [Int32](repeating: 0, count: w * h)
        for x in 0..<5 { stuff[9 * w + x] = 1 }
        var first = packet(0, RGBImage(width: w, height: h))
        first[DetectionsKey.self] = FrameDetections(modelOutput: [rectDetection(label: 1, score: 0.9, w, h, 2, 2, 6, 6)],
                                                    labels: labels, semantic: LabelMap(width: w, height: h, labels: stuff))
        first[MotionKey.self] = FlowField(width: w, height: h)
        let stage = PropagateStage()
        try stage.handle(&first)
        var next = packet(1, RGBImage(width: w, height: h))
        next.markGap(DetectionsKey.self)
        next[MotionKey.self] = FlowField(width: w, height: h, constant: (-3, 0))  // content moved 3 px right
        try stage.handle(&next)
        let carried = try next.require(DetectionsKey.self)
        XCTAssertTrue(carried.propagated)
        XCTAssertEqual(carried.detections.count, 1)
        XCTAssertEqual(carried.detections[0].box, Box(x1: 5, y1: 2, x2: 9, y2: 6))
        XCTAssertEqual(carried.detections[0].category, 1)
        XCTAssertEqual(carried.stuff?.labels[9 * w + 7], 51)
        XCTAssertEqual(carried.stuff?.labels[9 * w + 9], 0)
        XCTAssertFalse(next.isGap(DetectionsKey.self))
    }
}
