import Foundation
import XCTest
import VPSCore
import VPSFormats
import VPSVideo
import TestSupport

/// Every export is read back by its reader and gives the frames that were written.
final class ExportTests: XCTestCase {
    let cats = [Category(id: 1, name: "sky", isThing: false), Category(id: 2, name: "ground", isThing: false),
                Category(id: 7, name: "car", isThing: true), Category(id: 9, name: "person", isThing: true)]
    let png = ImageFile.pngCodec
    var dir = ""

    override func setUp() {
        dir = TestMedia.scratchDirectory(name)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// Four 13×9 frames: sky over ground, a car moving right, a person that leaves after frame 1.
    func video() -> [PanopticFrame] {
        (0..<4).map { t in
            let w = 13, h = 9
            var ids = [Int32](repeating: 0, count: w * h)
            for y in 0..<h { for x in 0..<w { ids[y * w + x] = y < 3 ? 1000 : 2000 } }
            for y in 4..<7 { for x in (1 + t)..<(5 + t) { ids[y * w + x] = 7001 } }
            if t < 2 { for y in 2..<8 { ids[y * w + 10] = 9003 } }
            ids[0] = 0 // a void pixel
            var f = PanopticFrame(index: t, width: w, height: h, ids: ids)
            for k in f.segments.indices where f.segments[k].categoryId == 7 { f.segments[k].score = 0.9 }
            return f
        }
    }

    /// The thing-only id map of a frame (stuff and void → 0).
    func things(_ f: PanopticFrame) -> [Int32] { f.ids.map { $0 >= 7000 ? $0 : 0 } }

    func write(_ w: ResultWriter, _ frames: [PanopticFrame]) throws {
        for f in frames { try w.write(f) }
        try w.finish()
    }

    func testCOCORoundTrip() throws {
        let path = dir + "/coco.json"
        try write(try COCOInstancesWriter(path: path, categories: cats), video())
        let recs = try InstanceReader.readCOCO(path)
        XCTAssertEqual(recs.count, 4 + 2)
        XCTAssertEqual(Set(recs.map(\.trackId)), [7001, 9003])
        let frames = try InstanceReader.panopticFrames(recs, frameCount: 4)
        for (a, b) in zip(frames, video()) { XCTAssertEqual(a.ids, things(b)) }
        XCTAssertEqual(recs.first { $0.trackId == 7001 }!.score, 0.9)
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        let ann = (root["annotations"] as! [[String: Any]])[0]
        XCTAssertEqual(ann["bbox"] as? [Int], [1, 4, 4, 3])
        XCTAssertEqual(ann["area"] as? Int, 12)
        XCTAssertEqual((root["images"] as! [Any]).count, 4)
    }

    func testYouTubeVISRoundTripWithNulls() throws {
        let path = dir + "/ytvis.json"
        try write(try YouTubeVISWriter(path: path, categories: cats), video())
        let list = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [[String: Any]]
        XCTAssertEqual(list.count, 2)
        let person = list.first { $0["category_id"] as? Int == 9 }!
        let segs = person["segmentations"] as! [Any]
        XCTAssertEqual(segs.count, 4)
        XCTAssertTrue(segs[2] is NSNull && segs[3] is NSNull)
        XCTAssertEqual(list.first { $0["category_id"] as? Int == 7 }!["score"] as? Double, 0.9)
        let frames = try InstanceReader.panopticFrames(try InstanceReader.readYouTubeVIS(path), frameCount: 4)
        for (a, b) in zip(frames, video()) { XCTAssertEqual(a.ids, things(b)) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["ytvis.json"], "scratch removed")
    }

    func testMOTSRoundTrip() throws {
        let path = dir + "/mots.txt"
        try write(try MOTSWriter(path: path, categories: cats), video())
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 6)
        XCTAssertTrue(lines[0].hasPrefix("1 7001 7 9 13 "), String(lines[0]))
        let frames = try InstanceReader.panopticFrames(try InstanceReader.readMOTS(path), frameCount: 4)
        for (a, b) in zip(frames, video()) { XCTAssertEqual(a.ids, things(b)) }
    }

    func testMOTBoxes() throws {
        let path = dir + "/mot.txt"
        try write(try MOTWriter(path: path, categories: cats), video())
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("1,7001,1,4,4,3,0.9,-1,-1,-1\n"), text)
        let boxes = try InstanceReader.readMOT(path)
        XCTAssertEqual(boxes.count, 6)
        XCTAssertEqual(boxes.last!.frame, 3)
        XCTAssertEqual(boxes.last!.box, [4, 4, 4, 3])
    }

    func testPanopticDirectoryRoundTrip() throws {
        let out = dir + "/pan"
        try write(try PanopticWriter(directory: out, categories: cats, png: png), video())
        let v = try PanopticVideo(directory: out)
        XCTAssertEqual(v.categories, cats)
        XCTAssertEqual(v.frames.count, 4)
        for (k, f) in video().enumerated() {
            let r = try v.frame(k, png: png)
            XCTAssertEqual(r.ids, f.ids)
            XCTAssertEqual(r.segments, f.segments)
        }
        // id = R + 256·G + 256²·B
        let img = try ImageFile.read(out + "/panoptic/000000.png")
        let (r, g, b) = img[2, 5]
        XCTAssertEqual(Int(r) + 256 * Int(g) + 65536 * Int(b), 7001)
        XCTAssertThrowsError(try PanopticWriter(directory: out, categories: cats, png: png), "non-empty target is refused")
    }

    func testUnfinishedWritersLeaveNothing() throws {
        for (name, make) in [("a.json", { try COCOInstancesWriter(path: self.dir + "/a.json", categories: self.cats) as ResultWriter }),
                             ("b.json", { try YouTubeVISWriter(path: self.dir + "/b.json", categories: self.cats) }),
                             ("c.txt", { try MOTSWriter(path: self.dir + "/c.txt", categories: self.cats) }),
                             ("d", { try PanopticWriter(directory: self.dir + "/d", categories: self.cats, png: self.png) })] {
            do {
                let w = try make()
                try w.write(video()[0])
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/" + name), name)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [], "no temporary files left")
        XCTAssertThrowsError(try MOTWriter(path: dir + "/missing/x.txt", categories: cats)) { e in
            XCTAssertEqual(e as? VPSError, .outputDirectoryMissing(path: self.dir + "/missing"))
        }
    }

    func testReadersRejectBadInputWithAReason() throws {
        let p = dir + "/bad.txt"
        try "1 2 3\n".write(toFile: p, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try InstanceReader.readMOTS(p)) { e in
            XCTAssertTrue("\(e)".contains("line 1"), "\(e)")
        }
        try "{\"x\": 1}".write(toFile: p, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try InstanceReader.readCOCO(p))
        XCTAssertThrowsError(try PanopticDataset.open(dir + "/nope")) { e in
            XCTAssertEqual(e as? VPSError, .fileNotFound(path: self.dir + "/nope"))
        }
    }
}
