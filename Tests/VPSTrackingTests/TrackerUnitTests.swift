import XCTest
import VPSCore
import VPSFormats
import VPSTracking

final class TrackerUnitTests: XCTestCase {
    /// Two look-alike squares side by side move 8 px right per frame, more than
    /// the gap between them. Box IoU with the last boxes pairs each detection
    /// with the object to its right; the motion map undoes the move, so the
    /// warped masks overlap their own detections exactly.
    func testMotionCompensationResolvesFastMotion() throws {
        let e = Scene.embedding(0)
        func frame(_ t: Int) -> ([Instance], FlowField) {
            let a = Square(category: 4, x: 10 + 8 * t, y: 10, size: 10, embedding: e)
            let b = Square(category: 4, x: 22 + 8 * t, y: 10, size: 10, embedding: e)
            return (Scene.detections([a, b]), Scene.flow([(a, (8, 0)), (b, (8, 0))]))
        }
        var now = TrackerConfig()
        now.confirmHits = 1 // IDs from the first frame, so that a swap shows
        var h = try HungarianTracker(config: now)
        var g = try GreedyTracker()
        now.motionCompensation = false
        var plain = try HungarianTracker(config: now)
        var hIds: [[Int?]] = [], gIds: [[Int?]] = [], pIds: [[Int?]] = []
        for t in 0..<5 {
            let (d, f) = frame(t)
            hIds.append(ids(try h.update(d, flow: t == 0 ? nil : f)))
            gIds.append(ids(try g.update(d, flow: nil)))
            pIds.append(ids(try plain.update(d, flow: t == 0 ? nil : f)))
        }
        XCTAssertEqual(hIds, [[1, 2], [1, 2], [1, 2], [1, 2], [1, 2]])
        // greedy: both detections pick B (box IoU 6/14 vs 2/18); the better (A's) keeps it, B's gets no ID
        XCTAssertEqual(gIds[0], [1, 2])
        XCTAssertEqual(gIds[1], [2, nil])
        // Hungarian without motion compensation prefers the swapped pairing (2·(0.43 + 0) > 2·(0.11 + 0.11))
        XCTAssertEqual(pIds[0], [1, 2])
        XCTAssertEqual(pIds[1], [2, 1])
    }

    /// A small square passes behind a bigger one of another class (hidden for
    /// 3 frames) and comes out on the other side: it keeps its ID. With
    /// max_lost_frames 1 the track is gone by then and a new ID is given.
    func testOcclusionAndReturnKeepsTheID() throws {
        func run(_ config: TrackerConfig) throws -> [Int?] {
            var tr = try HungarianTracker(config: config)
            var idOfA: [Int?] = []
            for t in 0..<20 {
                let a = Square(category: 4, x: 10 + 3 * t, y: 20, size: 8, embedding: Scene.embedding(0))
                let b = Square(category: 5, x: 40, y: 16, size: 16, embedding: Scene.embedding(1))
                let d = Scene.detections([b, a])
                let r = try tr.update(d, flow: t == 0 ? nil : Scene.flow([(b, (0, 0)), (a, (3, 0))]))
                idOfA.append(d.count == 2 ? r[1].trackId : nil)
                if d.count == 2 { XCTAssertEqual(d[1].category, 4) }
            }
            return idOfA
        }
        let kept = try run(TrackerConfig())
        XCTAssertEqual(kept[0], nil, "tentative in its first frame")
        XCTAssertNotNil(kept[1])
        XCTAssertEqual(kept[10], nil, "hidden at frame 10")
        XCTAssertEqual(kept[12], nil, "hidden at frame 12")
        XCTAssertEqual(kept[19], kept[1], "same ID after the occlusion: \(kept)")
        XCTAssertEqual(Set(kept.compactMap { $0 }).count, 1, "\(kept)")
        var short = TrackerConfig()
        short.maxLostFrames = 1
        let lost = try run(short)
        XCTAssertEqual(lost[1], kept[1])
        XCTAssertNotNil(lost[19])
        XCTAssertNotEqual(lost[19], lost[1], "with max_lost_frames 1 the old track is gone: \(lost)")
    }

    /// Two look-alike squares of the same class cross in opposite directions,
    /// the nearer one hiding the other completely for a few frames. Every
    /// detection of each keeps one ID, and the two IDs differ.
    func testSameClassCrossingKeepsBothIDs() throws {
        var h = try HungarianTracker()
        var g = try GreedyTracker()
        var idsA: [Int] = [], idsB: [Int] = [], gA: [Int] = [], gB: [Int] = []
        var hidden = 0
        let ea = Scene.embedding(0), eb = Scene.embedding(0, 1, angle: 0.55) // cos = 0.85
        for t in 0..<34 {
            let a = Square(category: 4, x: 8 + 2 * t, y: 17, size: 10, embedding: ea)
            let b = Square(category: 4, x: 78 - 2 * t, y: 13, size: 18, embedding: eb, score: 0.95)
            let d = Scene.detections([b, a], minArea: 20)
            let f = Scene.flow([(b, (-2, 0)), (a, (2, 0))])
            let r = try h.update(d, flow: t == 0 ? nil : f)
            let q = try g.update(d, flow: nil)
            if d.count < 2 { hidden += 1 }
            if t > 0 {
                idsB.append(r[0].trackId ?? -1)
                if d.count == 2 { idsA.append(r[1].trackId ?? -1) }
            }
            gB.append(q[0].trackId ?? -1)
            if d.count == 2 { gA.append(q[1].trackId ?? -1) }
        }
        print("crossing: A hidden \(hidden) frames; Hungarian A \(Set(idsA)) B \(Set(idsB)); greedy A \(Set(gA)) B \(Set(gB))")
        XCTAssertGreaterThanOrEqual(hidden, 2, "the scene must hide A")
        XCTAssertEqual(Set(idsA).count, 1, "A: \(idsA)")
        XCTAssertEqual(Set(idsB).count, 1, "B: \(idsB)")
        XCTAssertNotEqual(idsA.first, idsB.first)
        XCTAssertFalse(idsA.contains(-1) || idsB.contains(-1))
    }

    /// Two look-alikes of one class pass behind a big object from opposite
    /// sides at the same time and come out swapped in place: only where each
    /// is predicted to be tells them apart. The lost tracks' full masks move
    /// on at the velocity the motion map gave them, so each ID comes back on
    /// its own object; the last masks as they were (and the greedy rule's
    /// last boxes) sit where the other one comes out.
    func testLookAlikesBehindAnOccluderComeBackWithTheirOwnIDs() throws {
        var h = try HungarianTracker()
        var g = try GreedyTracker()
        var before: (Int?, Int?) = (nil, nil), after: (Int?, Int?) = (nil, nil)
        var gBefore: (Int?, Int?) = (nil, nil), gAfter: (Int?, Int?) = (nil, nil)
        var hidden = 0
        for t in 0..<22 {
            let a = Square(category: 4, x: 10 + 3 * t, y: 14, size: 8, embedding: Scene.embedding(0))
            let b = Square(category: 4, x: 78 - 3 * t, y: 18, size: 8, embedding: Scene.embedding(0))
            let c = Square(category: 5, x: 36, y: 12, size: 24, embedding: Scene.embedding(1))
            let d = Scene.detections([c, a, b])
            let r = try h.update(d, flow: t == 0 ? nil : Scene.flow([(c, (0, 0)), (a, (3, 0)), (b, (-3, 0))]))
            let q = try g.update(d, flow: nil)
            if d.count == 1 { hidden += 1 }
            // detections come front to back: c, then a, then b (when visible)
            if t == 4 { before = (r[1].trackId, r[2].trackId); gBefore = (q[1].trackId, q[2].trackId) }
            if t == 20 { after = (r[1].trackId, r[2].trackId); gAfter = (q[1].trackId, q[2].trackId) }
        }
        print("look-alikes behind an occluder: hidden \(hidden) frames; Hungarian \(before) → \(after); greedy \(gBefore) → \(gAfter)")
        XCTAssertGreaterThanOrEqual(hidden, 4)
        XCTAssertNotNil(before.0)
        XCTAssertNotNil(before.1)
        XCTAssertEqual(after.0, before.0, "A keeps its ID")
        XCTAssertEqual(after.1, before.1, "B keeps its ID")
    }

    /// A detection seen once never gets an ID; IDs count from 1 in order of confirmation.
    func testTentativeTracksAreNotReported() throws {
        var tr = try HungarianTracker()
        let a = Square(category: 4, x: 5, y: 5, size: 8, embedding: Scene.embedding(0))
        let flash = Square(category: 6, x: 60, y: 20, size: 8, embedding: Scene.embedding(3))
        XCTAssertEqual(ids(try tr.update(Scene.detections([a, flash]), flow: nil)), [nil, nil])
        XCTAssertEqual(ids(try tr.update(Scene.detections([a]), flow: nil)), [1])
        XCTAssertEqual(tr.tracks.count, 1, "the unmatched tentative track is removed")
        XCTAssertEqual(tr.tracks[0].state, .confirmed)
        var once = TrackerConfig()
        once.confirmHits = 1
        var now = try HungarianTracker(config: once)
        XCTAssertEqual(ids(try now.update(Scene.detections([a, flash]), flow: nil)), [1, 2])
    }

    /// Objects that come and go forever: the live tracks stay bounded.
    func testMemoryIsBounded() throws {
        var c = TrackerConfig()
        c.maxLostFrames = 1000
        c.maxLostTracks = 10
        var tr = try HungarianTracker(config: c)
        var most = 0
        for t in 0..<300 {
            // a new look each 2 frames, at a new place
            let k = t / 2
            let s = Square(category: 4, x: (k * 13) % 80, y: (k * 7) % 36, size: 8,
                           embedding: Scene.embedding(k % 8, (k / 8) % 8, angle: Float(k % 5) * 0.3))
            _ = try tr.update(Scene.detections([s]), flow: nil)
            most = max(most, tr.tracks.count)
        }
        XCTAssertLessThanOrEqual(most, 12, "10 lost + the current one (+ a tentative)")
        XCTAssertLessThanOrEqual(tr.tracks.filter { $0.state == .lost }.count, 10)
    }

    /// Inputs that would make the IoU meaningless are typed errors, not crashes.
    func testMismatchedInputsAreErrors() throws {
        var tr = try HungarianTracker()
        let a = Square(category: 4, x: 5, y: 5, size: 8, embedding: Scene.embedding(0))
        _ = try tr.update(Scene.detections([a]), flow: nil)
        let other = Instance(category: 4, score: 0.9, mask: .rectangle(frameWidth: 50, frameHeight: 40, x0: 0, y0: 0, x1: 4, y1: 4))
        XCTAssertThrowsError(try tr.update([other], flow: nil)) { XCTAssertTrue("\($0)".contains("50x40"), "\($0)") }
        var nan = Scene.detections([a])[0]
        nan.score = .nan
        XCTAssertThrowsError(try tr.update([nan], flow: nil))
        XCTAssertThrowsError(try tr.update(Scene.detections([a]), flow: FlowField(width: 10, height: 10)))
        XCTAssertEqual(TrackerConfig.settingKeys.count, 12)
    }
}
