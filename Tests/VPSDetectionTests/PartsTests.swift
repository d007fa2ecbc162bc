import VPSCore
import VPSDetection
import VPSTensor
import XCTest

/// Small checks of the parts against values torchvision prints.
final class PartsTests: XCTestCase {
    func testBaseAnchorsMatchTorchvision() {
        // torchvision AnchorGenerator(((32,),), ((0.5, 1.0, 2.0),)).cell_anchors[0]
        let g = AnchorGenerator(config: AnchorConfig())
        XCTAssertEqual(g.baseAnchors(size: 32), [Box(-23, -11, 23, 11), Box(-16, -16, 16, 16), Box(-11, -23, 11, 23)])
        // Grid: stride 4 on a 8×8 map of a 32×32 image; location-major, then anchor.
        let a = g.anchors(level: 0, featureH: 8, featureW: 8, imageH: 32, imageW: 32)
        XCTAssertEqual(a.count, 8 * 8 * 3)
        XCTAssertEqual(a[3], Box(4 - 23, -11, 4 + 23, 11))
        XCTAssertEqual(a[8 * 3 + 1], Box(-16, 4 - 16, 16, 4 + 16))
    }

    func testTransformSizes() {
        let t = ImageTransform(config: TransformConfig())
        // vtest.avi 768×576 → 1066×800 (torch: floor(side · min(800/576, 1333/768))), padded to 1088×800.
        XCTAssertEqual(t.resizedSize(height: 576, width: 768).h, 800)
        XCTAssertEqual(t.resizedSize(height: 576, width: 768).w, 1066)
        XCTAssertEqual(t.paddedSize((800, 1066)).w, 1088)
        // A long image is limited by maxSize.
        XCTAssertEqual(t.resizedSize(height: 100, width: 1000).w, 1333)
        // Normalisation: pixel (124, 116, 104) ≈ the mean → ~0 after the transform.
        let img = RGBImage(width: 4, height: 3, fill: (124, 116, 104))
        let (x, size) = ImageTransform(config: { var c = TransformConfig(); c.minSize = 6; c.maxSize = 8; return c }())(img)
        XCTAssertEqual(size.h, 6); XCTAssertEqual(size.w, 8)
        XCTAssertEqual(x.shape, [1, 3, 32, 32])
        XCTAssertEqual(x[0, 0, 2, 3], (124 / 255 - 0.485) / 0.229, accuracy: 1e-5)
        XCTAssertEqual(x[0, 2, 10, 10], 0) // padding
    }

    func testPastedMaskFollowsTorchvisionBoxRule() {
        // A 28×28 map of ones pasted for box (10, 20, 38, 48): expanded by 30/28
        // around the centre (24, 34) → (9, 19)…(39, 49), truncated to ints.
        let m = MaskPaster.paste([Float](repeating: 1, count: 28 * 28), size: 28, box: VPSTensor.Box(10, 20, 38, 48),
                                 imageHeight: 100, imageWidth: 100, threshold: 0.5)
        let r = MaskPaster.region(box: VPSTensor.Box(10, 20, 38, 48), size: 28, imageHeight: 100, imageWidth: 100)
        XCTAssertEqual([r.x0, r.y0, r.width, r.height], [9, 19, 31, 31])
        // The padded border ramps from 0 to 1, so the outermost pixels fall below 0.5.
        let full = m.rowMajor()
        XCTAssertEqual(full[34 * 100 + 24], 1)
        XCTAssertEqual(full[34 * 100 + 9], 0)
        XCTAssertEqual(full[34 * 100 + 5], 0)
        XCTAssertEqual(m.rle.area, m.area)
    }
}
