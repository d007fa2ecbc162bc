import Foundation
import VPSFormats
import VPSCore
import VPSPanoptic
import XCTest
import TestSupport

final class PanopticFusionTests: XCTestCase {
    /// An instance with its track ID, as the fixtures list them.
    struct TrackedInstance {
        var category: Int, trackId: Int, score: Double, mask: BinaryMask
    }

    static func rect(_ w: Int, _ h: Int, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) -> BinaryMask {
        .rectangle(frameWidth: w, frameHeight: h, x0: x0, y0: y0, x1: x1, y1: y1)
    }

    // MARK: the reference

    /// Every case of scripts/make_fusion_fixtures.py (Detectron2's
    /// `combine_semantic_and_instance_outputs`, stable sort): Detectron2's ids
    /// 1, 2, … mapped to vps's by correspondence give the same map pixel for
    /// pixel, the same segments in the same order, with the same areas.
    func testMatchesDetectron2() throws {
        let url = URL(fileURLWithPath: TestPaths.fixture("panoptic/fusion_cases.json"))
        let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let cases = doc["cases"] as! [[String: Any]]
        XCTAssertEqual(cases.count, 10)
        var things = 0, stuff = 0
        for (n, c) in cases.enumerated() {
            let w = c["width"] as! Int, h = c["height"] as! Int
            let raw = c["instances"] as! [[String: Any]]
            let instances = raw.map { i in
                TrackedInstance(category: i["category"] as! Int, trackId: i["track_id"] as! Int, score: i["score"] as! Double,
                         mask: BinaryMask(rowMajor: Self.binaryRuns(i["runs"] as! [Int], count: w * h), frameWidth: w, frameHeight: h))
            }
            let stuffMap = (c["stuff"] as? [Int]).map { Self.valueRuns($0) }
            let fusion = PanopticFusion(overlapThreshold: c["overlap_threshold"] as! Double,
                                        stuffAreaThreshold: c["stuff_area_threshold"] as! Int,
                                        scoreThreshold: c["score_threshold"] as! Double)
            let got = fusion.fuse(index: n, width: w, height: h, instances: instances, stuff: stuffMap)

            // Detectron2 id → vps id by correspondence.
            var ours: [Int32: Int32] = [0: 0]
            var expected: [(id: Int, category: Int, area: Int, instance: Int?)] = []
            for s in c["segments"] as! [[String: Any]] {
                let cat = s["category_id"] as! Int
                let inst = s["instance"] as? Int
                let id = inst.map { PanopticFusion.segmentId(category: cat, trackId: instances[$0].trackId) } ?? cat * 1000
                ours[Int32(s["id"] as! Int)] = Int32(id)
                expected.append((id, cat, s["area"] as! Int, inst))
            }
            let reference = Self.valueRuns(c["panoptic"] as! [Int]).map { ours[$0]! }
            XCTAssertEqual(got.ids, reference, "case \(n): the maps differ")
            XCTAssertEqual(got.segments.map(\.id), expected.map(\.id), "case \(n)")
            XCTAssertEqual(got.segments.map(\.area), expected.map(\.area), "case \(n)")
            XCTAssertEqual(got.segments.map(\.categoryId), expected.map(\.category), "case \(n)")
            for (s, e) in zip(got.segments, expected) {
                if let i = e.instance {
                    XCTAssertEqual(s.trackId, instances[i].trackId)
                    XCTAssertEqual(s.score, instances[i].score)
                    things += 1
                } else {
                    XCTAssertEqual(s.instance, 0)
                    stuff += 1
                }
            }
            XCTAssertEqual(got, PanopticFrame(index: n, width: w, height: h, ids: got.ids, segments: got.segments))
        }
        XCTAssertEqual(things, 40)
        XCTAssertEqual(stuff, 22)
    }

    /// Row-major 0/1 from run lengths that start with a run of zeros.
    static func binaryRuns(_ runs: [Int], count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        for (k, r) in runs.enumerated() { out += [UInt8](repeating: UInt8(k % 2), count: r) }
        precondition(out.count == count)
        return out
    }

    /// Row-major values from [value, count, value, count, …].
    static func valueRuns(_ runs: [Int]) -> [Int32] { Runs.expand(runs) }

    // MARK: edge cases

    /// Without a stuff map: things and void only.
    func testWithoutStuffThingsAndVoid() {
        let f = PanopticFusion().fuse(index: 0, width: 10, height: 10, instances: [
            TrackedInstance(category: 2, trackId: 4, score: 0.9, mask: Self.rect(10, 10, 0, 0, 3, 3)),
        ])
        XCTAssertEqual(f.segments, [Segment(id: 2004, categoryId: 2, trackId: 4, score: 0.9, area: 9, bbox: [0, 0, 3, 3])])
        XCTAssertEqual(f.ids.filter { $0 == 0 }.count, 91)
    }

    /// Every instance below the score threshold and no stuff: all void.
    func testAllBelowThresholdIsVoid() {
        let f = PanopticFusion(scoreThreshold: 0.6).fuse(index: 0, width: 8, height: 6, instances: [
            TrackedInstance(category: 1, trackId: 1, score: 0.59, mask: Self.rect(8, 6, 0, 0, 8, 6)),
            TrackedInstance(category: 1, trackId: 2, score: 0.1, mask: Self.rect(8, 6, 2, 2, 4, 4)),
        ])
        XCTAssertEqual(f.segments, [])
        XCTAssertEqual(f.ids, [Int32](repeating: 0, count: 48))
    }

    /// An instance more than `overlapThreshold` covered by better ones is
    /// dropped; at exactly the threshold it keeps its free pixels. An empty
    /// mask is skipped; a score equal to the threshold counts.
    func testOverlapRuleAndEmptyMasks() {
        let hi = TrackedInstance(category: 1, trackId: 1, score: 0.9, mask: Self.rect(10, 4, 0, 0, 4, 4))
        let half = TrackedInstance(category: 1, trackId: 2, score: 0.8, mask: Self.rect(10, 4, 2, 0, 6, 4))  // 8 of 16 covered
        let most = TrackedInstance(category: 1, trackId: 3, score: 0.7, mask: Self.rect(10, 4, 1, 0, 6, 4))  // 20 of 20 covered
        let empty = TrackedInstance(category: 1, trackId: 4, score: 0.95, mask: Self.rect(10, 4, 0, 0, 0, 0))
        let edge = TrackedInstance(category: 1, trackId: 5, score: 0.5, mask: Self.rect(10, 4, 8, 0, 10, 4))
        let f = PanopticFusion().fuse(index: 0, width: 10, height: 4, instances: [most, half, hi, empty, edge])
        XCTAssertEqual(f.segments.map(\.id), [1001, 1002, 1005])
        XCTAssertEqual(f.segments.map(\.area), [16, 8, 8])
        XCTAssertEqual(Array(f.ids[0..<10]), [1001, 1001, 1001, 1001, 1002, 1002, 0, 0, 1005, 1005])
        let strict = PanopticFusion(overlapThreshold: 0.49).fuse(index: 0, width: 10, height: 4, instances: [most, half, hi])
        XCTAssertEqual(strict.segments.map(\.id), [1001])
    }

    /// Equal scores keep their input order: the earlier instance wins the overlap.
    func testTiesKeepInputOrder() {
        let a = TrackedInstance(category: 3, trackId: 7, score: 0.8, mask: Self.rect(6, 2, 0, 0, 4, 2))
        let b = TrackedInstance(category: 3, trackId: 8, score: 0.8, mask: Self.rect(6, 2, 2, 0, 6, 2))
        XCTAssertEqual(PanopticFusion().fuse(index: 0, width: 6, height: 2, instances: [a, b]).ids[2], 3007)
        XCTAssertEqual(PanopticFusion().fuse(index: 0, width: 6, height: 2, instances: [b, a]).ids[2], 3008)
    }

    /// Stuff fills still-void pixels in ascending category order, label 0 is
    /// never stuff, and a label keeps its pixels only with at least
    /// `stuffAreaThreshold` of them (the threshold itself counts).
    func testStuffAreaThreshold() {
        var stuff = [Int32](repeating: 51, count: 40)
        for i in 30..<36 { stuff[i] = 52 }  // 6 pixels
        for i in 36..<40 { stuff[i] = 0 }
        let thing = TrackedInstance(category: 1, trackId: 1, score: 0.9, mask: Self.rect(10, 4, 0, 0, 2, 1))
        let f = PanopticFusion(stuffAreaThreshold: 6).fuse(index: 0, width: 10, height: 4, instances: [thing], stuff: stuff)
        XCTAssertEqual(f.segments.map(\.id), [1001, 51000, 52000])
        XCTAssertEqual(f.segments.map(\.area), [2, 28, 6])
        XCTAssertEqual(f.segments[1].trackId, 51000)
        XCTAssertEqual(Array(f.ids[36..<40]), [0, 0, 0, 0])
        let g = PanopticFusion(stuffAreaThreshold: 7).fuse(index: 0, width: 10, height: 4, instances: [thing], stuff: stuff)
        XCTAssertEqual(g.segments.map(\.id), [1001, 51000])
        XCTAssertEqual(Array(g.ids[30..<36]), [0, 0, 0, 0, 0, 0])
    }

    /// Track IDs 999 apart share an instance number; the second gets the next
    /// free one, and `Segment.trackId` keeps both IDs.
    func testWrappedTrackIdsStayDistinct() {
        let a = TrackedInstance(category: 2, trackId: 1, score: 0.9, mask: Self.rect(8, 2, 0, 0, 4, 2))
        let b = TrackedInstance(category: 2, trackId: 1000, score: 0.8, mask: Self.rect(8, 2, 4, 0, 8, 2))
        let f = PanopticFusion().fuse(index: 0, width: 8, height: 2, instances: [a, b])
        XCTAssertEqual(f.segments.map(\.id), [2001, 2002])
        XCTAssertEqual(f.segments.map(\.trackId), [1, 1000])
    }

    /// The panoptic frame: ID'd detections only, the higher score on top.
    func testPanopticOutput() {
        let lo = Instance(category: 4, score: 0.5, mask: .rectangle(frameWidth: 20, frameHeight: 10, x0: 0, y0: 0, x1: 10, y1: 10))
        let hi = Instance(category: 5, score: 0.9, mask: .rectangle(frameWidth: 20, frameHeight: 10, x0: 5, y0: 0, x1: 15, y1: 10))
        let none = Instance(category: 6, score: 1, mask: .rectangle(frameWidth: 20, frameHeight: 10, x0: 15, y0: 0, x1: 20, y1: 10))
        let f = PanopticFusion().fuse(index: 3, width: 20, height: 10, instances: [lo, hi, none], trackIds: [7, 1000, nil])
        XCTAssertEqual(f.segments.map(\.id), [5001, 4007])
        XCTAssertEqual(f.segments.map(\.trackId), [1000, 7])
        XCTAssertEqual(f.segments.map(\.area), [100, 50])
        XCTAssertEqual(f.ids[4], 4007)
        XCTAssertEqual(f.ids[5], 5001)
        XCTAssertEqual(f.ids[19], 0)
        }
}

extension PanopticFusion {
    /// `fuse` of instances that all have a track ID.
    func fuse(index: Int, width: Int, height: Int, instances: [PanopticFusionTests.TrackedInstance],
              stuff: [Int32]? = nil) -> PanopticFrame {
        fuse(index: index, width: width, height: height,
             instances: instances.map { Instance(category: $0.category, score: $0.score, mask: $0.mask) },
             trackIds: instances.map(\.trackId), stuff: stuff)
    }
}
