import Foundation
import TestSupport
import VPSCore
import VPSFormats
import VPSPipeline
import VPSStages
import VPSVideo
import XCTest

/// `load_panoptic` puts a saved panoptic frame on the packet of the same
/// source frame, and nothing on frames the directory lacks.
final class LoadPanopticStageTests: XCTestCase {
    func testFramesAreMatchedBySourceIndex() throws {
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let png = ImageFile.pngCodec
        let cats = [Category(id: 1, name: "person", isThing: true), Category(id: 51, name: "road", isThing: false)]
        let writer = try PanopticWriter(directory: dir + "/pan", categories: cats, png: png)
        for t in [5, 6] {
            try writer.write(panopticResult(index: t, width: 8, height: 6,
                                            rects: [(id: 51000, trackId: nil, score: 1, x0: 0, y0: 3, x1: 8, y1: 6),
                                                    (id: 1000 + t, trackId: t, score: 0.9, x0: t - 5, y0: 0, x1: t - 3, y1: 2)],
                                            categories: cats).frame)
        }
        try writer.finish()
        let stage = try buildStage("load_panoptic", ["path": .string(dir + "/pan")])
        for (source, expected) in [(5, 1005), (6, 1006), (7, nil)] as [(Int, Int?)] {
            var p = Packet(frame: VideoFrame(index: source - 5, sourceIndex: source, timestamp: 0, image: RGBImage(width: 8, height: 6)))
            try stage.process(&p)
            let result = p[PanopticKey.self]
            XCTAssertEqual(result?.frame.segments.first { $0.instance != 0 }?.id, expected, "source frame \(source)")
            if let result {
                XCTAssertEqual(result.frame.index, source)
                XCTAssertEqual(result.categories, cats)
                XCTAssertEqual(result.frame.ids[source - 5], Int32(expected!), "the mask comes from the PNG")
            }
        }
        XCTAssertThrowsError(try buildStage("load_panoptic", [:])) { XCTAssertTrue("\($0)".contains("needs a path")) }
        XCTAssertThrowsError(try buildStage("load_panoptic", ["path": .string(dir + "/none")]))
    }
}
