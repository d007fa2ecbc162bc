import Foundation
import TestSupport
import VPSCheckpoint
import VPSCore
import VPSDetection
import XCTest

/// `vps segment` and `vps weights inspect`, run as a user would.
final class ModelCommandTests: CLITestCase {
    static let fixtures = TestPaths.root.appendingPathComponent("Tests/Fixtures")

    func testSegmentRefusesBadCheckpoints() throws {
        let dir = TestMedia.scratchDirectory()
        assertBadInput(try vps("segment", TestMedia.vtest, "-o", dir + "/out.mp4", "--weights", dir + "/none.safetensors"),
                       mentions: "input not found")
        let bad = Self.fixtures.appendingPathComponent("checkpoints/hostile.pth").path
        assertBadInput(try vps("segment", TestMedia.vtest, "-o", dir + "/out.mp4", "--weights", bad), mentions: "unsafe pickle")
        // A torch state dict that is not a Mask R-CNN: counts, first names and a hint, on one line.
        let small = Self.fixtures.appendingPathComponent("checkpoints/small.pth").path
        let r = try vps("segment", TestMedia.vtest, "-o", dir + "/out.mp4", "--weights", small)
        assertBadInput(r, mentions: "missing (backbone.body.conv1.weight, backbone.body.bn1.weight, backbone.body.bn1.bias, …)")
        XCTAssertTrue(r.err.contains("not a torchvision Mask R-CNN checkpoint"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out.mp4"))
    }

    func testWeightsInspect() throws {
        let small = Self.fixtures.appendingPathComponent("checkpoints/small.pth").path
        let r = try vps("weights", "inspect", small, "--json")
        XCTAssertEqual(r.status, 0, r.err)
        let obj = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
        XCTAssertEqual(obj?["tensorCount"] as? Int, 6)
        let tensors = obj?["tensors"] as? [[String: Any]]
        XCTAssertEqual(tensors?.first { $0["name"] as? String == "half.weight" }?["dtype"] as? String, "F16")
        let text = try vps("weights", "inspect", small)
        XCTAssertTrue(text.out.contains("conv.weight") && text.out.contains("[2, 3, 4]"), text.out)
        assertBadInput(try vps("weights", "inspect", Self.fixtures.appendingPathComponent("checkpoints/hostile.pth").path),
                       mentions: "posix.system")
        assertBadInput(try vps("weights", "inspect", Self.fixtures.appendingPathComponent("checkpoints/small.json").path),
                       mentions: "not a safetensors file")
    }

    /// The R18-FPN parity fixture end to end through the CLI: weights written
    /// as safetensors with the config in the metadata, `vps segment` on a
    /// still image, and the COCO export compared with torchvision's output.
    func testSegmentExportMatchesTorchvision() throws {
        let model = try SeededModel.load(path: Self.fixtures.appendingPathComponent("parity/r18_fpn.json").path)
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }  // 125 MB of weights
        let weights = dir + "/r18.safetensors"
        try ModelCheckpoint.write(model.stateDict(), config: model.config, to: weights)
        let inspect = try vps("weights", "inspect", weights)
        XCTAssertTrue(inspect.out.contains("basic ResNet layers [2, 2, 2, 2]"), inspect.out)

        let fixture = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixtures.appendingPathComponent("parity/r18_fpn.json"))) as! [String: Any]
        let c = (fixture["cases"] as! [[String: Any]])[1]  // fruits.jpg
        let input = c["input"] as! String
        guard FileManager.default.fileExists(atPath: input) else { return XCTFail("\(input) is not installed (run scripts/setup)") }
        let r = try vps("segment", input, "-o", dir + "/out.mp4", "--weights", weights, "--export", dir + "/dets.json", "--quiet")
        XCTAssertEqual(r.status, 0, r.err)
        let coco = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/dets.json"))) as! [String: Any]
        let got = coco["annotations"] as! [[String: Any]]
        XCTAssertEqual((coco["images"] as? [[String: Any]])?.count, 1)
        // Every class but the background and torchvision's "N/A" placeholders.
        XCTAssertEqual((coco["categories"] as? [[String: Any]])?.count, model.config.classNames.dropFirst().filter { $0 != "N/A" }.count)
        let expected = c["detections"] as! [[String: Any]]
        XCTAssertEqual(got.count, expected.count)
        // One to one: same label, nearest box (near-equal scores may swap ranks).
        let matches = Geometry.matchOneToOne(expected, got, allowed: { $1["category_id"] as? Int == $0["label"] as? Int },
                                             distance: { Geometry.cocoBoxDistance($1["bbox"] as! [Double], $0["box"] as! [Double]) })
        for (e, match) in zip(expected, matches) {
            let eb = (e["box"] as! [Double])
            guard let j = match else { XCTFail("no detection of label \(e["label"]!) left to match"); continue }
            XCTAssertLessThan(Geometry.cocoBoxDistance(got[j]["bbox"] as! [Double], eb), 0.05)
            XCTAssertEqual(got[j]["score"] as! Double, e["score"] as! Double, accuracy: 1e-3)
            XCTAssertEqual(got[j]["image_id"] as? Int, 1)
            XCTAssertTrue(got[j]["track_id"] is NSNull)
            let seg = got[j]["segmentation"] as! [String: Any], em = e["mask"] as! [String: Any]
            XCTAssertEqual(seg["size"] as? [Int], em["size"] as? [Int])
            let size = em["size"] as! [Int]
            let a = try RLE(string: seg["counts"] as! String, height: size[0], width: size[1]).rowMajorMask()
            let b = try RLE(string: em["counts"] as! String, height: size[0], width: size[1]).rowMajorMask()
            XCTAssertGreaterThanOrEqual(Geometry.maskIoU(a, b), 0.99)
        }
        // The video has the input's size and one frame.
        let probe = try vps("probe", dir + "/out.mp4", "--json")
        XCTAssertTrue(probe.out.contains("\"width\" : 512"), probe.out)
    }
}
