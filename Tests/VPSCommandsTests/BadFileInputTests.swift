import Foundation
import XCTest
import VPSCore
import VPSVideo

/// `vps eval` and `vps convert` on damaged or hostile files: one line on
/// stderr, exit 1, and nothing left behind.
final class BadFileInputTests: CLITestCase {
    var dir = ""
    var gt: String { dir + "/gt" }
    var pred: String { dir + "/pred" }
    var predJSON: String { pred + "/video_000/panoptic.json" }

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "vps-badfile-\(getpid())-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let r = try vps("synth", gt, "--videos", "1", "--frames", "3", "--size", "40x30", "--seed", "3", "--no-video", "--quiet")
        XCTAssertEqual(r.status, 0, r.err)
        try FileManager.default.copyItem(atPath: gt, toPath: pred)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// Edits the prediction's panoptic.json as a JSON object.
    func editPrediction(_ edit: (inout [String: Any]) -> Void) throws {
        var root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: predJSON))) as! [String: Any]
        edit(&root)
        try JSONSerialization.data(withJSONObject: root).write(to: URL(fileURLWithPath: predJSON))
    }

    /// Sets `key` of the first segment of the first annotation.
    func setFirstSegment(_ key: String, _ value: Any) throws {
        try editPrediction { root in
            var anns = root["annotations"] as! [[String: Any]]
            var segs = anns[0]["segments_info"] as! [[String: Any]]
            segs[0][key] = value
            anns[0]["segments_info"] = segs
            root["annotations"] = anns
        }
    }

    func eval() throws -> (status: Int32, out: String, err: String) {
        try vps("eval", "--gt", gt, "--pred", pred, "--no-flicker")
    }

    func testOutOfRangeNumbersAreNamedNotTrapped() throws {
        try setFirstSegment("area", -1e308)
        assertBadInput(try eval(), mentions: "\"area\"")
        try setFirstSegment("area", 12)
        try setFirstSegment("id", 1.5)
        assertBadInput(try eval(), mentions: "\"id\"")
        try setFirstSegment("id", Double.greatestFiniteMagnitude)
        assertBadInput(try eval(), mentions: "\"id\"")
        try setFirstSegment("id", 3000)
        try setFirstSegment("category_id", 2_147_484)
        assertBadInput(try eval(), mentions: "out of range")
        try setFirstSegment("category_id", "car")
        assertBadInput(try eval(), mentions: "not a number")
    }

    func testWrongSizePNGNamesTheSize() throws {
        let png = pred + "/video_000/panoptic/000000.png"
        var small = RGBImage(width: 17, height: 13)
        small.pixels[0] = 253  // segment id 253, listed nowhere
        try ImageFile.writePNG(small, to: png)
        assertBadInput(try eval(), mentions: "17x13")
        // An older file without sizes in its JSON: the ground truth's size decides.
        try editPrediction { root in
            root["images"] = nil
            root["width"] = nil
            root["height"] = nil
        }
        assertBadInput(try eval(), mentions: "17x13")
    }

    func testMalformedAndMissingFiles() throws {
        try Data("{\"annotations\": [".utf8).write(to: URL(fileURLWithPath: predJSON))
        assertBadInput(try eval(), mentions: "invalid JSON")
        try FileManager.default.removeItem(atPath: pred)
        try FileManager.default.copyItem(atPath: gt, toPath: pred)
        try FileManager.default.removeItem(atPath: pred + "/video_000/panoptic/000001.png")
        assertBadInput(try eval(), mentions: "000001.png")
        // convert fails on frame 1 after writing frame 0: nothing is left behind.
        for f in ["panoptic", "coco", "youtube-vis", "mots"] {
            assertBadInput(try vps("convert", pred + "/video_000", "-o", dir + "/out-" + f, "--format", f), mentions: "000001.png")
        }
        XCTAssertFalse(listing(dir).contains { $0.hasPrefix("out") }, "nothing half-written: \(listing(dir))")
        try FileManager.default.removeItem(atPath: pred)
        try FileManager.default.copyItem(atPath: gt, toPath: pred)
        try editPrediction { root in
            var anns = root["annotations"] as! [[String: Any]]
            anns[1]["frame_index"] = 0
            root["annotations"] = anns
        }
        assertBadInput(try eval(), mentions: "frame 0 is listed twice")
    }

    /// Instance files: ids whose panoptic id (category·1000 + instance)
    /// would overflow the map, frames out of range, broken RLE sizes.
    func testInstanceFilesWithHostileNumbers() throws {
        let v = gt + "/video_000"
        let coco = dir + "/p.json"
        XCTAssertEqual(try vps("convert", v, "-o", coco, "--format", "coco").status, 0)
        var root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: coco))) as! [String: Any]
        var anns = root["annotations"] as! [[String: Any]]
        anns[0]["category_id"] = 2_147_484
        root["annotations"] = anns
        try JSONSerialization.data(withJSONObject: root).write(to: URL(fileURLWithPath: coco))
        assertBadInput(try vps("eval", "--gt", gt, "--pred", coco, "--no-flicker"), mentions: "out of range")
        assertBadInput(try vps("convert", coco, "-o", dir + "/out", "--format", "panoptic"), mentions: "out of range")
        XCTAssertFalse(listing(dir).contains { $0.hasPrefix("out") }, "nothing half-written: \(listing(dir))")

        anns[0]["category_id"] = 1
        anns[0]["image_id"] = 1e300
        root["annotations"] = anns
        try JSONSerialization.data(withJSONObject: root).write(to: URL(fileURLWithPath: coco))
        assertBadInput(try vps("convert", coco, "-o", dir + "/out.mots", "--format", "mots"), mentions: "image_id")

        anns[0]["image_id"] = 1
        anns[0]["segmentation"] = ["size": [100_000, 100_000], "counts": "0"]
        root["annotations"] = anns
        try JSONSerialization.data(withJSONObject: root).write(to: URL(fileURLWithPath: coco))
        assertBadInput(try vps("convert", coco, "-o", dir + "/out.mots", "--format", "mots"), mentions: "RLE")
        XCTAssertFalse(listing(dir).contains { $0.hasPrefix("out") }, "nothing half-written: \(listing(dir))")

        let mots = dir + "/p.txt"
        try "1 2147484001 2147484 30 40 0l\n".write(toFile: mots, atomically: true, encoding: .utf8)
        assertBadInput(try vps("eval", "--gt", gt, "--pred", mots, "--no-flicker"), mentions: "class_id 2147484")
        try "99999999999 2001 2 30 40 0l\n".write(toFile: mots, atomically: true, encoding: .utf8)
        assertBadInput(try vps("convert", mots, "-o", dir + "/out", "--format", "panoptic"), mentions: "time_frame")
        try "-9223372036854775808 2001 2 30 40 0l\n".write(toFile: mots, atomically: true, encoding: .utf8)
        assertBadInput(try vps("convert", mots, "-o", dir + "/out", "--format", "panoptic"), mentions: "time_frame")
        try "1 2001 2 -30 -40 0l\n".write(toFile: mots, atomically: true, encoding: .utf8)
        assertBadInput(try vps("convert", mots, "-o", dir + "/out", "--format", "panoptic"), mentions: "out of range")
        XCTAssertFalse(listing(dir).contains { $0.hasPrefix("out") }, "nothing half-written: \(listing(dir))")
    }
}
