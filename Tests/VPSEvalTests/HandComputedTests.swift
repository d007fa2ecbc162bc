import XCTest
import VPSCore
import VPSEval
import VPSFormats

/// Small cases whose figures are worked out by hand in the comments.
final class HandComputedTests: XCTestCase {
    let cats = [Category(id: 1, name: "sky", isThing: false), Category(id: 2, name: "car", isThing: true)]

    /// 4×4 frame from a 16-character string per row-major pixel: "s" sky (1000),
    /// "a" car 2001, "b" car 2002, "." void.
    func frame(_ s: String, _ t: Int = 0) -> PanopticFrame {
        let map: [Character: Int32] = ["s": 1000, "a": 2001, "b": 2002, ".": 0]
        return PanopticFrame(index: t, width: 4, height: 4, ids: s.map { map[$0]! })
    }

    func overlap(_ g: String, _ p: String, _ t: Int = 0) throws -> FrameOverlap {
        try FrameOverlap(gt: frame(g, t), pred: frame(p, t), categories: cats)
    }

    // GT: sky in columns 0-1, car 2001 in columns 2-3. Pred: car loses its top row to sky.
    let gt1 = "ssaa" + "ssaa" + "ssaa" + "ssaa"
    let pr1 = "ssss" + "ssaa" + "ssaa" + "ssaa"

    func testSingleFramePQ() throws {
        // sky: inter 8, union 10 + 8 − 8 = 10 → IoU 0.8; car: inter 6, union 6 + 8 − 6 = 8 → 0.75.
        var acc = VPQAccumulator(categories: cats, stride: 1)
        acc.add(try overlap(gt1, pr1))
        let r = acc.result()
        XCTAssertEqual(r.windows[0].stuff!.pq, 0.8, accuracy: 1e-12)
        XCTAssertEqual(r.windows[0].things!.pq, 0.75, accuracy: 1e-12)
        XCTAssertEqual(r.vpq!, 0.775, accuracy: 1e-12)
        XCTAssertEqual(r.windows[0].all!.rq, 1, accuracy: 1e-12)
        XCTAssertNil(r.windows[1].all, "one frame has no 2-frame window")
    }

    func testVoidRuleAndFalsePositive() throws {
        // GT void on the bottom row; pred paints a car 2002 there (4 px, all on void) → ignored, not FP.
        let g = "ssaa" + "ssaa" + "ssaa" + "...."
        let p = "ssaa" + "ssaa" + "ssaa" + "bbbb"
        var acc = VPQAccumulator(categories: cats, stride: 1)
        acc.add(try overlap(g, p))
        XCTAssertEqual(acc.result().vpq!, 1, accuracy: 1e-12)
        // Exactly half on void is not "more than half": then it is an FP.
        let g3 = "ssaa" + "ssaa" + "sss." + "sss."
        let p3 = "ssaa" + "ssaa" + "ssbb" + "ssbb"
        var acc3 = VPQAccumulator(categories: cats, stride: 1)
        acc3.add(try overlap(g3, p3))
        let r3 = acc3.result().windows[0]
        // sky gt 10 px, pred sky 8 px: inter 8, union 8 + 10 − 8 − 0 = 10 → 0.8; car a perfect (1.0);
        // car b: 2 of 4 px on void = 0.5, not > 0.5 → FP. car PQ = 1 / (1 + 0.5) = 2/3.
        XCTAssertEqual(r3.stuff!.pq, 0.8, accuracy: 1e-12)
        XCTAssertEqual(r3.things!.pq, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(r3.perClass.first { $0.categoryId == 2 }!.stat.fp, 1)
    }

    // Two frames, the car's id switches from 2001 to 2002 in frame 1.
    func idSwitch() throws -> [FrameOverlap] {
        let p1 = "ssbb" + "ssbb" + "ssbb" + "ssbb"
        return [try overlap(gt1, gt1, 0), try overlap(gt1, p1, 1)]
    }

    func testVPQTubesSeeTheIDSwitch() throws {
        // k=0: both frames perfect → PQ 1. k=5: sky tube perfect; car gt tube (16 px) vs pred 2001
        // (8 px): IoU 8/16 = 0.5, not > 0.5 → FN 1, FP 2 → car PQ 0; all = 0.5. VPQ = (1 + 0.5)/2.
        var acc = VPQAccumulator(categories: cats, stride: 1)
        for o in try idSwitch() { acc.add(o) }
        let r = acc.result()
        XCTAssertEqual(r.windows[0].all!.pq, 1, accuracy: 1e-12)
        XCTAssertEqual(r.windows[1].all!.pq, 0.5, accuracy: 1e-12)
        let car = r.windows[1].perClass.first { $0.categoryId == 2 }!.stat
        XCTAssertEqual([car.tp, car.fp, car.fn], [0, 2, 1])
        XCTAssertEqual(r.vpq!, 0.75, accuracy: 1e-12)
        XCTAssertEqual(r.vpqThings!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(r.vpqStuff!, 1, accuracy: 1e-12)
    }

    func testSTQSeesTheIDSwitch() throws {
        // AQ: gt tube 16 px; pred 2001 and 2002 each TPA 8 → 8·8/16 + 8·8/16 = 8; 8/16 = 0.5.
        // Semantics perfect → IoU 1. STQ = √0.5.
        var acc = STQAccumulator(categories: cats)
        for o in try idSwitch() { try acc.add(o) }
        let r = acc.result()
        XCTAssertEqual(r.aq, 0.5, accuracy: 1e-12)
        XCTAssertEqual(r.iou, 1, accuracy: 1e-12)
        XCTAssertEqual(r.stq, 0.5.squareRoot(), accuracy: 1e-12)
    }

    func testSTQPenalisesPredictedVoidTwice() throws {
        // pred void on the sky's 8 px: sky IoU 0/8... sky row: tp 0 → IoU 0; car IoU 1; void column
        // union 8 → counted as a class with IoU 0 (deeplab2 quirk) → mean (0 + 1 + 0)/3.
        var acc = STQAccumulator(categories: cats)
        try acc.add(overlap(gt1, "..aa..aa..aa..aa"))
        XCTAssertEqual(acc.result().iou, 1.0 / 3.0, accuracy: 1e-12)
    }

    func testTrackingSeesTheIDSwitch() throws {
        // CLEAR: TP 2, IDSW 1 → MOTA (2 − 0 − 1)/2. Identity: one gt id ↔ one tracker id → IDTP 1,
        // IDFN 1, IDFP 1 → IDF1 0.5. HOTA: DetA 1; AssA = (1·1/2 + 1·1/2)/2 = 0.5 → HOTA √0.5.
        var acc = TrackingAccumulator(categories: cats)
        for o in try idSwitch() { acc.add(o) }
        let r = acc.result().combined
        XCTAssertEqual(r.clear.idsw, 1)
        XCTAssertEqual(r.mota, 0.5, accuracy: 1e-12)
        XCTAssertEqual(r.idf1, 0.5, accuracy: 1e-12)
        XCTAssertEqual(r.hota.detA, 1, accuracy: 1e-12)
        XCTAssertEqual(r.hota.assA, 0.5, accuracy: 1e-12)
        XCTAssertEqual(r.hota.hota, 0.5.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(r.motp, 1, accuracy: 1e-12)
    }

    func testTrackingFragmentation() throws {
        // The car is missed in frame 1 (a stray 1-px car 2002 is predicted instead) and found again
        // in frame 2: Frag 1, no IDSW, FN 1, FP 1 → MOTA (2 − 1 − 0)/3.
        var acc = TrackingAccumulator(categories: cats)
        acc.add(try overlap(gt1, gt1, 0))
        acc.add(try overlap(gt1, "bsss" + "ssss" + "ssss" + "ssss", 1))
        acc.add(try overlap(gt1, gt1, 2))
        let r = acc.result().combined
        XCTAssertEqual([r.clear.frag, r.clear.idsw, r.clear.fn, r.clear.fp, r.clear.tp], [1, 0, 1, 1, 2])
        XCTAssertEqual(r.mota, 1.0 / 3.0, accuracy: 1e-12)
        // TrackEval quirk, kept: a frame with no tracker detections of the class at all does not
        // reset "tracked in the previous frame", so the same gap with an empty frame counts no Frag.
        var gap = TrackingAccumulator(categories: cats)
        gap.add(try overlap(gt1, gt1, 0))
        gap.add(try overlap(gt1, "ssss" + "ssss" + "ssss" + "ssss", 1))
        gap.add(try overlap(gt1, gt1, 2))
        XCTAssertEqual(gap.result().combined.clear.frag, 0)
    }

    func testFlickerIsUndoneByTheRightFlow() throws {
        // A 2×2 car moves right by 1 px per frame: without compensation IoU = 2/6 per pair;
        // with the flow from frame t to t−1 (dx = −1) the warp aligns the masks exactly.
        let f0 = frame(".aa." + ".aa." + "...." + "....", 0)
        let f1 = frame("..aa" + "..aa" + "...." + "....", 1)
        var plain = FlickerAccumulator(categories: cats)
        plain.add(f0, flow: nil); plain.add(f1, flow: nil)
        XCTAssertEqual(plain.temporalConsistency!, 1.0 / 3.0, accuracy: 1e-12)
        var comp = FlickerAccumulator(categories: cats)
        comp.add(f0, flow: nil)
        comp.add(f1, flow: FlowField(width: 4, height: 4, constant: (dx: -1, dy: 0)))
        XCTAssertEqual(comp.temporalConsistency!, 1, accuracy: 1e-12)
    }
}
