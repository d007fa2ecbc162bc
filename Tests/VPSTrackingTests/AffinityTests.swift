import VPSCore
import Foundation
import XCTest
import VPSTracking

final class AffinityTests: XCTestCase {
    /// One detection against two references, by hand:
    /// logits [new 7, 10·(1·1), 10·0] → log_softmax = logits − 10 − ln(1 + e⁻³ + e⁻¹⁰);
    /// + ln 0.8; + 2·IoU (0 for new, 0.5, 0.1); + 10·label (1 for new, same, different).
    func testAffinityTermsByHand() {
        let m = BinaryMask.rectangle(frameWidth: 8, frameHeight: 8, x0: 0, y0: 0, x1: 2, y1: 2)
        let d = Instance(category: 4, score: 0.8, mask: m, embedding: [1, 0])
        let refs = [AffinityReference(category: 4, embedding: [1, 0]), AffinityReference(category: 5, embedding: [0, 1])]
        let a = Affinity.matrix([d], refs, iou: [0.5, 0.1], config: TrackerConfig())
        XCTAssertEqual(a.count, 3)
        XCTAssertEqual(a[0], 6.728225851248713, accuracy: 1e-12)
        XCTAssertEqual(a[1], 10.728225851248713, accuracy: 1e-12)
        XCTAssertEqual(a[2], -10.071774148751288, accuracy: 1e-12)
        // a detection without an embedding: every logit is 0 (new_object_logit too),
        // so the softmax is uniform over the 3 columns
        let u = Affinity.matrix([Instance(category: 4, score: 1, mask: m)], refs, iou: [0, 0], config: TrackerConfig())
        XCTAssertEqual(u[0], -log(3) + 10, accuracy: 1e-12)
        XCTAssertEqual(u[1], -log(3) + 10, accuracy: 1e-12)
        XCTAssertEqual(u[2], -log(3), accuracy: 1e-12)
    }

    func testConfigKeysDefaultsAndErrors() throws {
        let json = #"{"embedding_scale": 4, "iou_weight": 3.5, "confirm_hits": 1, "motion_compensation": false}"#
        let c = try JSONDecoder().decode(TrackerConfig.self, from: Data(json.utf8))
        XCTAssertEqual(c.embeddingScale, 4)
        XCTAssertEqual(c.iouWeight, 3.5)
        XCTAssertEqual(c.confirmHits, 1)
        XCTAssertFalse(c.motionCompensation)
        XCTAssertEqual(c.labelWeight, 10, "absent keys keep the defaults")
        XCTAssertEqual(c.scoreWeight, 1)
        let round = try JSONDecoder().decode(TrackerConfig.self, from: JSONEncoder().encode(c))
        XCTAssertEqual(round, c)
        XCTAssertThrowsError(try JSONDecoder().decode(TrackerConfig.self, from: Data(#"{"iou_wieght": 1}"#.utf8))) {
            XCTAssertTrue("\($0)".contains("iou_wieght"), "\($0)")
        }
        XCTAssertThrowsError(try JSONDecoder().decode(TrackerConfig.self, from: Data(#"{"confirm_hits": 0}"#.utf8))) {
            XCTAssertTrue("\($0)".contains("confirm_hits"), "\($0)")
        }
    }
}
