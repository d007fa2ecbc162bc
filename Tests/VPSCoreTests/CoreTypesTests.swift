import VPSCore
import XCTest

/// The value types that travel along the data path.
final class CoreTypesTests: XCTestCase {
    func testBinaryMaskIsStoredAsItsTightCrop() {
        // A crop with empty rows and columns, and one pixel outside the frame.
        let m = BinaryMask(frameWidth: 10, frameHeight: 8, x0: 2, y0: 3, width: 4, height: 3,
                           bits: [0, 0, 0, 0,
                                  0, 1, 1, 0,
                                  0, 1, 0, 0])
        XCTAssertEqual([m.x0, m.y0, m.width, m.height, m.area], [3, 4, 2, 2, 3])
        XCTAssertEqual(m.box, Box(x1: 3, y1: 4, x2: 5, y2: 6))
        XCTAssertTrue(m.contains(x: 4, y: 4))
        XCTAssertFalse(m.contains(x: 4, y: 5))
        let clipped = BinaryMask(frameWidth: 4, frameHeight: 4, x0: -1, y0: 2, width: 3, height: 3, bits: [UInt8](repeating: 1, count: 9))
        XCTAssertEqual([clipped.x0, clipped.y0, clipped.width, clipped.height], [0, 2, 2, 2], "pixels outside the frame are dropped")
        let empty = BinaryMask(frameWidth: 4, frameHeight: 4, x0: 1, y0: 1, width: 2, height: 2, bits: [0, 0, 0, 0])
        XCTAssertTrue(empty.isEmpty)
        XCTAssertEqual([empty.width, empty.height], [0, 0])
    }

    func testBinaryMaskFromPanopticIds() {
        let ids: [Int32] = [0, 7, 7,
                            5, 7, 0]
        let m = BinaryMask(ids: ids, frameWidth: 3, frameHeight: 2, id: 7)
        XCTAssertEqual(m.rowMajor(), [0, 1, 1, 0, 1, 0])
        XCTAssertEqual(BinaryMask(ids: ids, frameWidth: 3, frameHeight: 2, id: 7, box: [1, 0, 1, 2]).area, 2, "the box limits the scan")
        XCTAssertEqual(m.rle.area, 3)
    }

    func testInstanceWithoutMaskIsTrackedByItsBoxPixels() {
        let withMask = Instance(category: 3, score: 0.5, mask: .rectangle(frameWidth: 10, frameHeight: 10, x0: 1, y0: 2, x1: 4, y1: 5))
        XCTAssertEqual(withMask.box, Box(x1: 1, y1: 2, x2: 4, y2: 5), "the box of a mask-made instance is the mask's box")
        XCTAssertEqual(withMask.maskOrBox(frameWidth: 10, frameHeight: 10), withMask.mask)
        // A fractional box covers every pixel it touches, clipped to the frame.
        let boxOnly = Instance(category: 3, score: 0.5, box: Box(x1: 7.5, y1: -1.2, x2: 12.1, y2: 2.5))
        let m = boxOnly.maskOrBox(frameWidth: 10, frameHeight: 10)
        XCTAssertEqual([m.x0, m.y0, m.width, m.height], [7, 0, 3, 3])
        XCTAssertEqual(m.area, 9)
    }

    func testBoxGeometry() {
        let a = Box(x1: 0, y1: 0, x2: 10, y2: 4)
        XCTAssertEqual(a.area, 40)
        XCTAssertEqual(a.center.x, 5)
        XCTAssertEqual(a.center.y, 2)
        XCTAssertEqual(Box(x1: 5, y1: 5, x2: 2, y2: 9).area, 0, "an inverted box has no area")
        XCTAssertEqual(a.iou(Box(x1: 5, y1: 0, x2: 15, y2: 4)), 20.0 / 60.0, accuracy: 1e-12)
    }

    func testLabelMapThroughATable() {
        let m = LabelMap(width: 2, height: 2, labels: [0, 1, 2, 1])
        XCTAssertEqual(m.mapped(through: [0, 51, 52]).labels, [0, 51, 52, 51])
        XCTAssertEqual(m.mapped(through: [0, 51, 52]).width, 2)
    }

    func testLinearAssignmentMaximisesTheTotal() {
        // Greedy would take (0, 0) = 9 and leave 1; the optimum is 8 + 7 = 15.
        let pairs = LinearAssignment.solve([9, 8,
                                            7, 1], rows: 2, cols: 2, maximize: true)
        XCTAssertEqual(Set(pairs.map { [$0.row, $0.col] }), [[0, 1], [1, 0]])
    }

    func testSHA256KnownDigests() {
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        // 56 bytes: the padding spills into a second block.
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
