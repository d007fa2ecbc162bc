import XCTest
import VPSCore
import VPSTracking

final class AppearanceEmbeddingTests: XCTestCase {
    /// Left half red, right half blue, with a 2-level shading pattern in each.
    func image() -> RGBImage {
        var im = RGBImage(width: 40, height: 20)
        for y in 0..<20 { for x in 0..<40 {
            let shade: Double = (x + y) % 2 == 0 ? 1 : 0.7
            im[x, y] = x < 20 ? (UInt8(220 * shade), 40, 30) : (30, 60, UInt8(210 * shade))
        } }
        return im
    }

    func testUnitLengthSameAndDifferentColours() {
        let im = image()
        let left = BinaryMask.rectangle(frameWidth: 40, frameHeight: 20, x0: 2, y0: 2, x1: 12, y1: 12)
        let left2 = BinaryMask.rectangle(frameWidth: 40, frameHeight: 20, x0: 6, y0: 5, x1: 18, y1: 17)
        let right = BinaryMask.rectangle(frameWidth: 40, frameHeight: 20, x0: 24, y0: 2, x1: 34, y1: 12)
        let a = AppearanceEmbedding.compute(image: im, mask: left)
        XCTAssertEqual(a.count, AppearanceEmbedding.levels * AppearanceEmbedding.levels * AppearanceEmbedding.levels)
        XCTAssertEqual(Affinity.dot(a, a), 1, accuracy: 1e-5)
        XCTAssertEqual(Affinity.dot(a, AppearanceEmbedding.compute(image: im, mask: left2)), 1, accuracy: 0.01,
                       "same colour distribution, other place and size")
        XCTAssertLessThan(Affinity.dot(a, AppearanceEmbedding.compute(image: im, mask: right)), 0.05)
        XCTAssertEqual(AppearanceEmbedding.compute(image: im, mask: left), a, "deterministic")
        XCTAssertTrue(AppearanceEmbedding.compute(image: im, mask: left.shifted(dx: 100, dy: 0)).allSatisfy { $0 == 0 })
    }
}
