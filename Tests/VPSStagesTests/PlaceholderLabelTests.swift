import Foundation
import TestSupport
import VPSCore
import VPSFormats
import VPSPanoptic
import VPSPipeline
import VPSStages
import XCTest

/// torchvision's "N/A" placeholder labels never reach an export: their
/// detections are dropped when the model's output becomes `FrameDetections`,
/// and every `category_id` the COCO export writes is declared.
final class PlaceholderLabelTests: XCTestCase {
    /// torchvision's label order around one placeholder: 1 person, 2 N/A, 3 car.
    let classNames = ["__background__", "person", "N/A", "car"]

    func testPlaceholderDetectionsAreDropped() {
        let w = 12, h = 8
        let found = FrameDetections(modelOutput: [rectDetection(label: 2, score: 0.99, w, h, 0, 0, 4, 4),
                                                  rectDetection(label: 3, score: 0.9, w, h, 4, 4, 8, 8),
                                                  rectDetection(label: 1, score: 0.8, w, h, 8, 0, 12, 4)],
                                    labels: LabelSet(classNames: classNames))
        XCTAssertEqual(found.detections.map(\.category), [3, 1])
        XCTAssertEqual(found.categories.map(\.id), [1, 3])
    }

    func testCOCOExportNamesOnlyDeclaredCategories() throws {
        let w = 12, h = 8
        let path = TestMedia.scratchDirectory() + "/dets.json"
        let stage = try InstanceExportStage(path: path, format: "coco")
        for t in 0..<2 {
            var p = Packet(frame: VideoFrame(index: t, timestamp: Double(t), image: RGBImage(width: w, height: h)))
            p[DetectionsKey.self] = FrameDetections(
                modelOutput: [rectDetection(label: 2, score: 0.99, w, h, 0, 0, 4, 4),
                              rectDetection(label: 3, score: 0.9, w, h, 4, 4, 8, 8)],
                labels: LabelSet(classNames: classNames))
            try stage.process(&p)
        }
        try stage.finish()
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        let declared = Set((root["categories"] as! [[String: Any]]).map { $0["id"] as! Int })
        let used = (root["annotations"] as! [[String: Any]]).map { $0["category_id"] as! Int }
        XCTAssertEqual(used, [3, 3])
        XCTAssertEqual(declared, [1, 3])
        XCTAssertTrue(Set(used).isSubset(of: declared))
    }
}
