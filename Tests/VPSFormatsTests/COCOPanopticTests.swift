import Foundation
import XCTest
import VPSCore
import VPSFormats
import VPSVideo

/// The panoptic directory is COCO panoptic, the COCO instances export
/// declares every category it uses, and older panoptic files still read.
final class COCOPanopticTests: XCTestCase {
    /// Stuff 1, things 7 and 9; frames also use category 12, which the label set lacks.
    let cats = [Category(id: 1, name: "sky", isThing: false), Category(id: 7, name: "car", isThing: true),
                Category(id: 9, name: "person", isThing: true)]
    let png = ImageFile.pngCodec
    var dir = ""

    override func setUp() {
        dir = NSTemporaryDirectory() + "vps-cocopan-\(getpid())-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// Frames 3 and 5 of a 10×6 video: sky, car 7001, and at frame 5 a 12002.
    func frames() -> [PanopticFrame] {
        [3, 5].map { t in
            let w = 10, h = 6
            var ids = [Int32](repeating: 1000, count: w * h)
            for y in 3..<5 { for x in t..<(t + 3) { ids[y * w + x] = 7001 } }
            if t == 5 { ids[0] = 12002 }
            return PanopticFrame(index: t, width: w, height: h, ids: ids)
        }
    }

    func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    func testPanopticJSONIsCOCOPanoptic() throws {
        let out = dir + "/v"
        let w = try PanopticWriter(directory: out, categories: cats, png: png)
        for f in frames() { try w.write(f) }
        try w.finish()
        let root = try json(out + "/panoptic.json")

        let images = try XCTUnwrap(root["images"] as? [[String: Any]])
        XCTAssertEqual(images.map { $0["id"] as? Int }, [4, 6], "id = frame index + 1")
        XCTAssertEqual(images.map { $0["file_name"] as? String }, ["000003.png", "000005.png"])
        XCTAssertTrue(images.allSatisfy { $0["width"] as? Int == 10 && $0["height"] as? Int == 6 })

        let anns = try XCTUnwrap(root["annotations"] as? [[String: Any]])
        XCTAssertEqual(anns.map { $0["image_id"] as? Int }, [4, 6])
        for a in anns {
            let name = try XCTUnwrap(a["file_name"] as? String)
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/panoptic/" + name), "PNGs live in the folder named after the JSON")
            XCTAssertNotNil(a["segments_info"] as? [[String: Any]])
        }

        let categories = try XCTUnwrap(root["categories"] as? [[String: Any]])
        for c in categories {
            XCTAssertNotNil(c["isthing"] as? Int, "\(c)")
            let color = try XCTUnwrap(c["color"] as? [Int], "\(c)")
            XCTAssertEqual(color.count, 3)
            XCTAssertTrue(color.allSatisfy { (0...255).contains($0) })
        }
        let declared = Set(categories.compactMap { $0["id"] as? Int })
        let used = Set(anns.flatMap { ($0["segments_info"] as! [[String: Any]]).map { $0["category_id"] as! Int } })
        XCTAssertEqual(used, [1, 7, 12])
        XCTAssertTrue(used.isSubset(of: declared), "every category_id is declared: \(used) vs \(declared)")
        XCTAssertEqual(categories.first { $0["id"] as? Int == 12 }?["isthing"] as? Int, 1)

        // vps reads it back as written.
        let v = try PanopticVideo(directory: out)
        XCTAssertEqual(v.frames.map(\.frameIndex), [3, 5])
        for (k, f) in frames().enumerated() {
            let g = try v.frame(k, png: png)
            XCTAssertEqual(g.ids, f.ids)
            XCTAssertEqual(g.segments.map(\.id).sorted(), f.segments.map(\.id).sorted())
        }
    }

    /// The layout vps wrote before: `file_name` relative to the directory, no `images`.
    func testOlderPanopticFilesStillRead() throws {
        let out = dir + "/old"
        try FileManager.default.createDirectory(atPath: out + "/panoptic", withIntermediateDirectories: true)
        let f = frames()[0]
        try png.write(PanopticPNG.encode(f), out + "/panoptic/000003.png")
        let text = """
        {"annotations":[{"frame_index":3,"file_name":"panoptic/000003.png","segments_info":[\
        {"id":1000,"category_id":1,"area":0,"bbox":[0,0,0,0],"iscrowd":0},{"id":7001,"category_id":7,"area":0,"bbox":[0,0,0,0],"iscrowd":0}]}],\
        "categories":[{"id":1,"name":"sky","isthing":0},{"id":7,"name":"car","isthing":1}],"width":10,"height":6}
        """
        try text.write(toFile: out + "/panoptic.json", atomically: true, encoding: .utf8)
        let v = try PanopticVideo(directory: out)
        XCTAssertEqual(try v.frame(0, png: png).ids, f.ids)
    }

    /// A COCO instances export declares every `category_id` it writes.
    func testCOCOInstancesDeclareEveryCategory() throws {
        let path = dir + "/coco.json"
        let w = try COCOInstancesWriter(path: path, categories: cats)
        for f in frames() { try w.write(f) }
        let mask = RLE(rowMajorMask: [UInt8](repeating: 1, count: 60), height: 6, width: 10)
        try w.write(frameIndex: 6, width: 10, height: 6, instances: [
            InstanceAnnotation(categoryId: 1, score: 0.5, trackId: nil, bbox: [0, 0, 10, 6], mask: mask),
            InstanceAnnotation(categoryId: 26, score: 0.5, trackId: nil, bbox: [0, 0, 10, 6], mask: mask)])
        try w.finish()
        let root = try json(path)
        let declared = Set((root["categories"] as! [[String: Any]]).map { $0["id"] as! Int })
        let used = Set((root["annotations"] as! [[String: Any]]).map { $0["category_id"] as! Int })
        XCTAssertEqual(used, [1, 7, 12, 26])
        XCTAssertTrue(used.isSubset(of: declared), "\(used) vs \(declared)")
        let sky = (root["categories"] as! [[String: Any]]).first { $0["id"] as? Int == 1 }
        XCTAssertEqual(sky?["name"] as? String, "sky", "a stuff category keeps its name")
    }
}
