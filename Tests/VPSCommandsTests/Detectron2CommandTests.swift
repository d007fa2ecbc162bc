import Foundation
import TestSupport
import VPSDetection
import VPSFormats
import VPSVideo
import XCTest

/// Detectron2 model-zoo `.pkl` files through the CLI: `weights inspect`,
/// refusal of hostile files, and `annotate --format panoptic` with the
/// committed slim Panoptic FPN checked against Detectron2's own panoptic map.
final class Detectron2CommandTests: CLITestCase {
    static let dir = TestPaths.root.appendingPathComponent("Tests/Fixtures/detectron2")
    static var pkl: String { dir.appendingPathComponent("panoptic_fpn_slim.pkl").path }

    func testWeightsInspectDescribesThePickle() throws {
        let r = try vps("weights", "inspect", Self.pkl, "--json")
        XCTAssertEqual(r.status, 0, r.err)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual(obj["format"] as? String, "Detectron2 model-zoo pickle")
        XCTAssertEqual(obj["configSource"] as? String, "implied")
        // 332 arrays in the file; pixel_mean and pixel_std are not weights.
        XCTAssertEqual(obj["tensorCount"] as? Int, 330)
        let config = try XCTUnwrap(obj["config"] as? [String: Any])
        XCTAssertEqual((config["classNames"] as? [String])?.count, 81)
        XCTAssertEqual(((config["semanticHead"] as? [String: Any])?["classNames"] as? [String])?.count, 54)
        let names = (obj["tensors"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        XCTAssertTrue(names.contains("roi_heads.box_head.fc6.weight"), "\(names.prefix(5))")
        let text = try vps("weights", "inspect", Self.pkl)
        XCTAssertTrue(text.out.contains("config (implied by the file)") && text.out.contains("semantic head 54 classes"), text.out)
    }

    func testHostilePicklesGiveOneLineAndExitOne() throws {
        let cases = ["hostile_system.pkl": "posix.system", "deep.pkl": "nest more than", "float16.pkl": "'f2'",
                     "protocol5.pkl": "protocol 5", "caffe2_blobs.pkl": "Caffe2"]
        for (file, words) in cases {
            let path = Self.dir.appendingPathComponent("pickles/\(file)").path
            assertBadInput(try vps("weights", "inspect", path), mentions: words)
            let out = TestMedia.scratchDirectory() + "/out.mp4"
            assertBadInput(try vps("segment", TestMedia.vtest, "-o", out, "--weights", path, "--frames", "1"), mentions: words)
        }
        // Readable files whose shapes give no buildable model.
        for (file, words) in ["zero_width.pkl": "must be positive", "scalar_shapes.pkl": "fewer than 2 classes"] {
            let path = Self.dir.appendingPathComponent("pickles/\(file)").path
            assertBadInput(try vps("segment", TestMedia.vtest, "-o", TestMedia.scratchDirectory() + "/o.mp4", "--weights", path),
                           mentions: words)
        }
        // The numpy fixtures are valid pickles but not Mask R-CNNs: a mismatch, on one line.
        let zoo = Self.dir.appendingPathComponent("pickles/zoo_np2_p4.pkl").path
        assertBadInput(try vps("segment", TestMedia.vtest, "-o", TestMedia.scratchDirectory() + "/o.mp4", "--weights", zoo),
                       mentions: "missing")
    }

    /// Frame 0 of vtest.avi, annotated per frame with the slim model: the
    /// category of every pixel of the panoptic PNG against Detectron2's map.
    func testAnnotatePanopticMatchesDetectron2() throws {
        let work = TestMedia.scratchDirectory()
        let config = work + "/config.json"
        try #"{"transform": {"minSize": 320, "maxSize": 512}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let r = try vps("annotate", TestMedia.vtest, "-o", work + "/out.mp4", "--weights", Self.pkl, "--model-config", config,
                        "--pipeline", "per-frame", "--frames", "1", "--export", work + "/pan", "--format", "panoptic", "--quiet")
        XCTAssertEqual(r.status, 0, r.err)
        let video = try PanopticVideo(directory: work + "/pan")
        XCTAssertEqual(video.categories.count, 133)
        XCTAssertEqual(video.categories.first { $0.id == 92 }?.name, "banner")
        XCTAssertEqual(video.categories.first { $0.id == 92 }?.isThing, false)
        let frame = try video.frame(0, png: ImageFile.pngCodec)

        struct Fixture: Decodable {
            struct Segment: Decodable { var id: Int; var isthing: Bool; var category_id: Int }
            struct Panoptic: Decodable { var ids: [Int]; var segments: [Segment] }
            struct Case: Decodable { var input: String; var frame: Int?; var panoptic: Panoptic }
            var cases: [Case]
        }
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Self.dir.appendingPathComponent("panoptic_fpn_slim.json")))
        let c = try XCTUnwrap(f.cases.first { $0.input == "vtest.avi" && $0.frame == 0 })
        var d2Category: [Int: Int] = [0: 0]
        for s in c.panoptic.segments {
            d2Category[s.id] = s.isthing ? COCOPanoptic.things[s.category_id].id : COCOPanoptic.stuff[s.category_id - 1].id
        }
        var vpsCategory: [Int32: Int] = [0: 0]
        for s in frame.segments { vpsCategory[Int32(s.id)] = s.categoryId }
        var expected: [Int] = []
        for i in stride(from: 0, to: c.panoptic.ids.count - 1, by: 2) {
            expected += [Int](repeating: d2Category[c.panoptic.ids[i]] ?? -1, count: c.panoptic.ids[i + 1])
        }
        XCTAssertEqual(expected.count, frame.ids.count)
        guard expected.count == frame.ids.count else { return }
        let same = zip(expected, frame.ids).filter { $0 == (vpsCategory[$1] ?? -2) }.count
        let agreement = Double(same) / Double(expected.count)
        XCTAssertGreaterThanOrEqual(agreement, 0.999, "pixel categories agree on \(agreement)")
        XCTAssertTrue(frame.segments.contains { $0.categoryId < 92 } && frame.segments.contains { $0.categoryId >= 92 },
                      "things and stuff: \(frame.segments.map(\.categoryId))")
    }
}
