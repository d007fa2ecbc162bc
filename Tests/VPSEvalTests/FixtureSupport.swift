import Foundation
import VPSFormats
import TestSupport

/// Loads the committed fixtures written by `scripts/make_eval_fixtures.py`.
enum Fixtures {
    static var directory: String { TestPaths.fixture("eval") }

    static func json(_ name: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))
    }

    static func categories(_ a: Any?) -> [VPSFormats.Category] {
        (a as! [[String: Any]]).map { Category(id: $0["id"] as! Int, name: $0["name"] as! String, isThing: ($0["isthing"] as! Int) == 1) }
    }

    /// A frame from row-major runs [value, count, …] and a segments_info list.
    static func frame(_ o: [String: Any], index: Int, width: Int, height: Int) -> PanopticFrame {
        let ids = Runs.expand(o["runs"] as! [Int])
        let segs = (o["segments"] as! [[String: Any]]).map {
            Segment(id: $0["id"] as! Int, categoryId: ($0["category_id"] as! Int), isCrowd: ($0["iscrowd"] as! Int) == 1)
        }
        return PanopticFrame(index: index, width: width, height: height, ids: ids, segments: segs)
    }
}

func close(_ a: Double?, _ b: Any?, tol: Double = 1e-9) -> Bool {
    guard let b = b as? Double else { return a == nil && (b == nil || b is NSNull) }
    guard let a else { return false }
    if a.isNaN && b.isNaN { return true }
    return abs(a - b) <= tol
}
