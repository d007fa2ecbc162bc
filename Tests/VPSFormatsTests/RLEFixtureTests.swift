import Foundation
import XCTest
import VPSCore
import VPSFormats
import TestSupport

/// Byte-exactness of VPSCore's RLE against pycocotools (fixtures from
/// `scripts/make_eval_fixtures.py`), and of the frame-level RLE helpers.
final class RLEFixtureTests: XCTestCase {
    static var fixtures: String { TestPaths.fixture("eval") }

    /// Re-creates the fixture masks exactly as the script does.
    func mask(_ s: [String: Any]) -> (h: Int, w: Int, m: [UInt8]) {
        let h = s["h"] as! Int, w = s["w"] as! Int
        let kind = s["kind"] as! String
        func p(_ k: String) -> Int { s[k] as? Int ?? 0 }
        let (cx, cy, r, x0, x1, y0, y1, salt, density) = (p("cx"), p("cy"), p("r"), p("x0"), p("x1"), p("y0"), p("y1"), p("salt"), p("density"))
        var m = [UInt8](repeating: 0, count: h * w)
        for y in 0..<h {
            for x in 0..<w {
                let on: Bool
                switch kind {
                case "disc": on = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r
                case "rect": on = x >= x0 && x < x1 && y >= y0 && y < y1
                default: on = Int(((UInt64(x * 7919 + y * 104729 + salt) &* 2654435761) % 4294967296) >> 29) < density
                }
                m[y * w + x] = on ? 1 : 0
            }
        }
        return (h, w, m)
    }

    func testEncodeDecodeBboxAreaIoUMatchPycocotools() throws {
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/rle_cases.json"))) as! [String: Any]
        let cases = root["masks"] as! [[String: Any]]
        XCTAssertGreaterThan(cases.count, 25)
        var rles: [RLE] = []
        for (k, c) in cases.enumerated() {
            let (h, w, m) = mask(c["shape"] as! [String: Any])
            let r = RLE(rowMajorMask: m, height: h, width: w)
            XCTAssertEqual(r.string, c["counts"] as? String, "case \(k): compressed string")
            XCTAssertEqual(r.area, c["area"] as? Int, "case \(k): area")
            XCTAssertEqual(r.bbox, c["bbox"] as? [Int], "case \(k): bbox")
            let back = try RLE(string: c["counts"] as! String, height: h, width: w)
            XCTAssertEqual(back.rowMajorMask(), m, "case \(k): decode")
            // the one-pass per-segment encoder of PanopticFrame agrees
            let f = PanopticFrame(index: 0, width: w, height: h, ids: m.map { Int32($0) * 7 }, segments: [Segment(id: 7)])
            if r.area > 0 { XCTAssertEqual(f.rles()[7], r, "case \(k): PanopticFrame.rles") }
            XCTAssertEqual(f.rle(of: 7), r, "case \(k): PanopticFrame.rle(of:)")
            rles.append(r)
        }
        let ious = root["ious"] as! [[String: Any]]
        XCTAssertFalse(ious.isEmpty)
        for c in ious {
            let a = rles[c["a"] as! Int], b = rles[c["b"] as! Int]
            XCTAssertEqual(a.iou(b), c["iou"] as! Double, accuracy: 1e-12)
        }
    }
}
