import VPSDetection
import VPSFormats
import VPSStages
import VPSTensor
import XCTest

final class ResultKeysTests: XCTestCase {
    /// A things-only model: every class but the background and torchvision's
    /// "N/A" placeholders is a thing category with its label as id.
    func testThingsOnlyCategoriesFollowTheLabels() {
        let d = Detection(box: Box(0, 0, 4, 4), label: 3, score: 0.9, mask: nil)
        let f = FrameDetections(detections: [d], classNames: ["__background__", "person", "N/A", "car"])
        XCTAssertEqual(f.categories, [Category(id: 1, name: "person", isThing: true), Category(id: 3, name: "car", isThing: true)])
        XCTAssertEqual(f.category(of: 0), 3)
        XCTAssertNil(f.stuff)
        XCTAssertEqual(f.embeddings, .none)
    }
}
