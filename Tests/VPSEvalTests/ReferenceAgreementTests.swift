import Foundation
import XCTest
import VPSCore
import VPSEval
import VPSFormats

/// Agreement with the reference implementations on the generated cases of
/// `scripts/make_eval_fixtures.py` (VPSNet eval_vpq.py, deeplab2 STQ,
/// TrackEval HOTA/CLEAR/Identity, scipy linear_sum_assignment).
final class ReferenceAgreementTests: XCTestCase {
    struct Case {
        var categories: [VPSFormats.Category]
        var videos: [(name: String, overlaps: [FrameOverlap])]
        var expected: [String: Any]
        var seed: Int
    }

    func loadCases() throws -> [Case] {
        let cases = try Fixtures.json("metric_cases.json") as! [[String: Any]]
        XCTAssertEqual(cases.count, 3)
        return try cases.map { c in
            let cats = Fixtures.categories(c["categories"])
            let videos = try (c["videos"] as! [[String: Any]]).map { v -> (String, [FrameOverlap]) in
                let w = v["width"] as! Int, h = v["height"] as! Int
                let frames = v["frames"] as! [[String: Any]]
                let ov = try frames.enumerated().map { (t, f) in
                    try FrameOverlap(gt: Fixtures.frame(f["gt"] as! [String: Any], index: t, width: w, height: h),
                                     pred: Fixtures.frame(f["pred"] as! [String: Any], index: t, width: w, height: h),
                                     categories: cats)
                }
                return (v["name"] as! String, ov)
            }
            return Case(categories: cats, videos: videos.map { (name: $0.0, overlaps: $0.1) },
                        expected: c["expected"] as! [String: Any], seed: c["seed"] as! Int)
        }
    }

    func testVPQMatchesVPSNet() throws {
        for c in try loadCases() {
            for stride in [1, 2] {
                var acc = VPQAccumulator(categories: c.categories, stride: stride)
                for v in c.videos {
                    acc.beginVideo()
                    for f in v.overlaps { acc.add(f) }
                }
                let r = acc.result()
                let e = (c.expected["vpq"] as! [String: Any])["\(stride)"] as! [String: Any]
                XCTAssert(close(r.vpq, e["vpq_all"]), "seed \(c.seed) stride \(stride): VPQ \(String(describing: r.vpq)) vs \(e["vpq_all"]!)")
                XCTAssert(close(r.vpqThings, e["vpq_things"]), "seed \(c.seed) stride \(stride): VPQ things")
                XCTAssert(close(r.vpqStuff, e["vpq_stuff"]), "seed \(c.seed) stride \(stride): VPQ stuff")
                let windows = e["windows"] as! [[String: Any]]
                XCTAssertEqual(r.windows.count, windows.count, "seed \(c.seed) stride \(stride): windows")
                for (w, ew) in windows.enumerated() where w < r.windows.count {
                    let rw = r.windows[w]
                    XCTAssertEqual(rw.k, ew["k"] as? Int)
                    for (name, s) in [("all", rw.all), ("things", rw.things), ("stuff", rw.stuff)] {
                        guard let es = ew[name] as? [String: Any] else { XCTAssertNil(s); continue }
                        XCTAssert(close(s?.pq, es["pq"]) && close(s?.sq, es["sq"]) && close(s?.rq, es["rq"]),
                                  "seed \(c.seed) stride \(stride) k \(rw.k) \(name): \(String(describing: s)) vs \(es)")
                        XCTAssertEqual(s?.n, es["n"] as? Int)
                    }
                    // Every class of the reference, and no other.
                    let per = ew["per_class"] as! [String: [String: Any]]
                    XCTAssertEqual(Set(rw.perClass.map { "\($0.categoryId)" }), Set(per.keys), "seed \(c.seed) k \(rw.k): classes")
                    for (id, ec) in per {
                        guard let pc = rw.perClass.first(where: { "\($0.categoryId)" == id }) else { continue }
                        XCTAssertEqual(pc.stat.tp, ec["tp"] as? Int)
                        XCTAssertEqual(pc.stat.fp, ec["fp"] as? Int)
                        XCTAssertEqual(pc.stat.fn, ec["fn"] as? Int)
                        XCTAssert(close(pc.stat.iou, ec["iou"]) && close(pc.pq, ec["pq"]))
                    }
                }
            }
        }
    }

    /// deeplab2 accumulates pixel counts and the AQ sums in float32 (numpy ≥ 2
    /// keeps float32 scalars float32), so its STQ/AQ carry ~1e-8 rounding; this
    /// implementation counts exactly. Agreement is asserted to 1e-6.
    func testSTQMatchesDeeplab2() throws {
        var worst = 0.0
        defer { print("STQ agreement: max |Δ| = \(worst)") }
        func close(_ a: Double, _ b: Any?) -> Bool {
            let d = abs(a - (b as! Double)); worst = max(worst, d); return d <= 1e-6
        }
        for c in try loadCases() {
            var acc = STQAccumulator(categories: c.categories)
            for v in c.videos {
                acc.beginVideo(name: v.name)
                for f in v.overlaps { try acc.add(f) }
            }
            let r = acc.result()
            let e = c.expected["stq"] as! [String: Any]
            XCTAssert(close(r.stq, e["stq"]), "seed \(c.seed): STQ \(r.stq) vs \(e["stq"]!)")
            XCTAssert(close(r.aq, e["aq"]), "seed \(c.seed): AQ \(r.aq) vs \(e["aq"]!)")
            XCTAssert(close(r.iou, e["iou"]), "seed \(c.seed): IoU \(r.iou) vs \(e["iou"]!)")
            let stqs = e["stq_per_seq"] as! [Double], aqs = e["aq_per_seq"] as! [Double], ious = e["iou_per_seq"] as! [Double]
            XCTAssertEqual(r.sequences.count, stqs.count, "seed \(c.seed): sequences")
            for k in stqs.indices where k < r.sequences.count {
                let s = r.sequences[k]
                XCTAssert(close(s.stq, stqs[k]), "seed \(c.seed) sequence \(k): STQ")
                XCTAssert(close(s.aq, aqs[k]), "seed \(c.seed) sequence \(k): AQ")
                XCTAssert(close(s.iou, ious[k]), "seed \(c.seed) sequence \(k): IoU")
            }
        }
    }

    func testTrackingMatchesTrackEval() throws {
        for c in try loadCases() {
            var acc = TrackingAccumulator(categories: c.categories)
            for v in c.videos {
                acc.beginVideo()
                for f in v.overlaps { acc.add(f) }
            }
            let r = acc.result()
            let e = c.expected["tracking"] as! [String: [String: Any]]
            // Every entry of the reference ("combined" and each class), and no other.
            XCTAssertEqual(Set(r.perClass.map { "\($0.categoryId)" } + ["combined"]), Set(e.keys), "seed \(c.seed): classes")
            var results = [("combined", r.combined)]
            for pc in r.perClass { results.append(("\(pc.categoryId)", pc.figures)) }
            for label in e.keys.sorted() {
                guard let f = results.first(where: { $0.0 == label })?.1 else { continue }
                let x = e[label]!
                let pairs: [(String, Double)] = [
                    ("HOTA", f.hota.hota), ("DetA", f.hota.detA), ("AssA", f.hota.assA), ("LocA", f.hota.locA),
                    ("DetRe", f.hota.detRe), ("DetPr", f.hota.detPr), ("AssRe", f.hota.assRe), ("AssPr", f.hota.assPr),
                    ("MOTA", f.mota), ("MOTP", f.motp), ("IDF1", f.idf1), ("IDP", f.idp), ("IDR", f.idr)]
                for (name, v) in pairs {
                    XCTAssert(close(v, x[name]), "seed \(c.seed) \(label) \(name): \(v) vs \(x[name]!)")
                }
                let ints: [(String, Int)] = [
                    ("IDSW", f.clear.idsw), ("Frag", f.clear.frag), ("MT", f.clear.mt), ("PT", f.clear.pt), ("ML", f.clear.ml),
                    ("CLR_TP", f.clear.tp), ("CLR_FN", f.clear.fn), ("CLR_FP", f.clear.fp),
                    ("IDTP", f.identity.idtp), ("IDFN", f.identity.idfn), ("IDFP", f.identity.idfp)]
                for (name, v) in ints { XCTAssertEqual(v, x[name] as? Int, "seed \(c.seed) \(label) \(name)") }
            }
        }
    }

    func testAssignmentMatchesScipy() throws {
        let cases = try Fixtures.json("assignment_cases.json") as! [[String: Any]]
        XCTAssertGreaterThan(cases.count, 100)
        for (k, c) in cases.enumerated() {
            let m = LinearAssignment.solve(c["cost"] as! [Double], rows: c["rows"] as! Int, cols: c["cols"] as! Int,
                                           maximize: c["maximize"] as! Bool)
            XCTAssertEqual(m.map(\.row), c["row_ind"] as! [Int], "case \(k)")
            XCTAssertEqual(m.map(\.col), c["col_ind"] as! [Int], "case \(k)")
        }
    }
}
