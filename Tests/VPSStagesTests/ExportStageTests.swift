import Foundation
import TestSupport
import VPSCore
import VPSFormats
import VPSPanoptic
import VPSPipeline
import VPSStages
import XCTest

/// `export` stages of the annotation pipeline: every format, atomically.
final class ExportStageTests: XCTestCase {
    static let categories = [Category(id: 1, name: "sky", isThing: false), Category(id: 4, name: "disc", isThing: true)]

    /// Frame t: sky on the top half, disc track 7 as a 4×4 square moving right.
    static func packet(_ t: Int) -> Packet {
        let w = 16, h = 12
        var ids = [Int32](repeating: 0, count: w * h)
        for y in 0..<6 { for x in 0..<w { ids[y * w + x] = 1000 } }
        for y in 7..<11 { for x in (2 + t)..<(6 + t) { ids[y * w + x] = 4007 } }
        var f = PanopticFrame(index: t, width: w, height: h, ids: ids,
                              segments: [Segment(id: 1000), Segment(id: 4007, trackId: 7, score: 0.9)])
        f.refreshGeometry()
        var p = Packet(frame: VideoFrame(index: t, timestamp: Double(t), image: RGBImage(width: w, height: h)))
        p[PanopticKey.self] = PanopticResult(frame: f, categories: categories)
        return p
    }

    func testEveryFormatIsWrittenOnFinishOnly() throws {
        let dir = TestMedia.scratchDirectory()
        for format in ExportFormat.allCases {
            let path = dir + "/out-\(format.rawValue)"
            let stage = try PanopticExportStage(path: path, format: format)
            for t in 0..<3 {
                var p = Self.packet(t)
                try stage.process(&p)
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: path), "\(format) appeared before finish")
            try stage.finish()
            XCTAssertTrue(FileManager.default.fileExists(atPath: path), "\(format)")
        }
        // One track, three frames, its masks as painted.
        let vis = try InstanceReader.readYouTubeVIS(dir + "/out-youtube-vis")
        XCTAssertEqual(Set(vis.map(\.trackId)).count, 1)
        XCTAssertEqual(vis.map(\.frame), [0, 1, 2])
        XCTAssertEqual(vis[1].mask, Self.packet(1)[PanopticKey.self]!.frame.rle(of: 4007))
        let coco = try InstanceReader.readCOCO(dir + "/out-coco")
        XCTAssertEqual(coco.map(\.trackId), [7, 7, 7])
        XCTAssertEqual(try InstanceReader.readMOT(dir + "/out-mot").map(\.box), [[2, 7, 4, 4], [3, 7, 4, 4], [4, 7, 4, 4]])
        let pan = try PanopticVideo(directory: dir + "/out-panoptic")
        XCTAssertEqual(pan.frames.count, 3)
        XCTAssertEqual(pan.categories, Self.categories)
    }

    func testAbortLeavesNothing() throws {
        let dir = TestMedia.scratchDirectory()
        for format in ExportFormat.allCases {
            let path = dir + "/out-\(format.rawValue)"
            let stage = try PanopticExportStage(path: path, format: format)
            var p = Self.packet(0)
            try stage.process(&p)
            stage.abort()
            XCTAssertFalse(FileManager.default.fileExists(atPath: path), "\(format)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }

    func testUnwritableDestinationFailsBeforeTheFirstFrame() {
        for format in ExportFormat.allCases {
            XCTAssertThrowsError(try PanopticExportStage(path: "/nonexistent-dir/out", format: format), "\(format)")
        }
    }
}
