import VPSCore
import VPSFormats
import VPSPanoptic
import XCTest

/// A model's labels become the categories that exports declare.
final class LabelSetTests: XCTestCase {
    /// Labels 1 and 3 merge into category 9; label 2 is a placeholder; two stuff classes.
    let labels = LabelSet(classNames: ["__background__", "car", "N/A", "van"], labelCategories: [0, 9, 0, 9],
                          stuffClassNames: ["things", "road", "sky"], stuffCategories: [0, 51, 52])

    func testCategoriesAreThingsThenStuffEachOnce() {
        XCTAssertEqual(labels.categories, [Category(id: 9, name: "car", isThing: true),
                                           Category(id: 51, name: "road", isThing: false),
                                           Category(id: 52, name: "sky", isThing: false)])
        XCTAssertEqual(labels.name(ofCategory: 9), "car", "a merged category takes its first label's name")
        XCTAssertEqual(labels.name(ofCategory: 77), "class 77")
    }

    func testModelOutputIsMappedAndPlaceholdersDropped() {
        let raw = [Instance(category: 3, score: 0.9, box: Box(x1: 0, y1: 0, x2: 1, y2: 1)),
                   Instance(category: 2, score: 0.8, box: Box(x1: 0, y1: 0, x2: 1, y2: 1)),
                   Instance(category: 1, score: 0.7, box: Box(x1: 0, y1: 0, x2: 1, y2: 1))]
        let found = FrameDetections(modelOutput: raw, labels: labels,
                                    semantic: LabelMap(width: 3, height: 1, labels: [0, 2, 1]), embeddings: .trackHead)
        XCTAssertEqual(found.detections.map(\.category), [9, 9])
        XCTAssertEqual(found.detections.map(\.score), [0.9, 0.7])
        XCTAssertEqual(found.stuff?.labels, [0, 52, 51])
        XCTAssertEqual(found.categories, labels.categories)
    }

    func testWithoutCategoryIdsEachLabelIsItsOwnCategory() {
        let plain = LabelSet(classNames: ["__background__", "person", "N/A", "car"])
        XCTAssertEqual(plain.labelCategories, [0, 1, 2, 3])
        XCTAssertEqual(plain.categories.map(\.id), [1, 3])
        XCTAssertEqual(LabelSet.thingLabels(plain.classNames), [1, 3])
    }
}
