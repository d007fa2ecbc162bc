import XCTest
import VPSCore
import VPSFormats
import VPSSynth
import VPSVideo
import TestSupport

final class SynthTests: XCTestCase {
    func testDeterministicPerSeedAndDifferentAcrossSeeds() {
        let a = SyntheticScene(width: 64, height: 48, frames: 8, seed: 3)
        let b = SyntheticScene(width: 64, height: 48, frames: 8, seed: 3)
        let c = SyntheticScene(width: 64, height: 48, frames: 8, seed: 4)
        for t in [0, 5] {
            let (ia, fa) = a.render(t), (ib, fb) = b.render(t)
            XCTAssertEqual(ia, ib)
            XCTAssertEqual(fa, fb)
        }
        XCTAssertNotEqual(a.render(2).image, c.render(2).image)
    }

    func testGroundTruthIsConsistent() {
        let s = SyntheticScene(width: 160, height: 120, frames: 40, seed: 11)
        var seenThings = Set<Int>()
        var stuffSeen = Set<Int>()
        var sizes: [Int: [Int]] = [:]
        for t in 0..<40 {
            let f = s.render(t).truth
            // every pixel is labelled (no void), every id has a segment with the right category
            XCTAssertFalse(f.ids.contains(0))
            let listed = Set(f.segments.map(\.id))
            XCTAssertEqual(Set(f.ids.map(Int.init)), listed)
            for seg in f.segments {
                XCTAssertEqual(seg.categoryId, seg.id / 1000)
                XCTAssertNotNil(SynthLabels.categories.first { $0.id == seg.categoryId })
                if seg.categoryId >= 4 { seenThings.insert(seg.id); sizes[seg.id, default: []].append(seg.area) } else { stuffSeen.insert(seg.id) }
            }
        }
        XCTAssertEqual(stuffSeen.count >= 2, true, "sky and ground at least")
        XCTAssertGreaterThanOrEqual(seenThings.count, 4)
        // a same-class pair exists (the crossing)
        let byClass = Dictionary(grouping: seenThings, by: { $0 / 1000 })
        XCTAssertTrue(byClass.values.contains { $0.count >= 2 })
        // some instance changes size noticeably over the video (scale change / entering / occlusion)
        XCTAssertTrue(sizes.values.contains { ($0.max()! - $0.min()!) > $0.max()! / 3 })
    }

    func testDatasetOnDiskRoundTrips() throws {
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var o = SynthOptions(videos: 2, frames: 4, seed: 5, width: 64, height: 48)
        o.writeVideo = true
        try SynthDataset.write(to: dir, options: o)
        let videos = try PanopticDataset.open(dir)
        XCTAssertEqual(videos.map(\.name), ["video_000", "video_001"])
        let png = ImageFile.pngCodec
        let scene = SyntheticScene(width: 64, height: 48, frames: 4, seed: o.videoSeed(1))
        for t in 0..<4 {
            let f = try videos[1].frame(t, png: png)
            let (img, truth) = scene.render(t)
            XCTAssertEqual(f.ids, truth.ids, "panoptic PNG is lossless")
            XCTAssertEqual(f.segments.map(\.id).sorted(), truth.segments.map(\.id).sorted())
            XCTAssertEqual(try ImageFile.read(dir + "/video_001/frames/" + pad6(t) + ".png"), img, "frames are lossless")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/video_000/video.mp4"))
        let train = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/train.json"))) as! [String: Any]
        XCTAssertEqual((train["images"] as! [Any]).count, 8)
        XCTAssertEqual((train["categories"] as! [Any]).count, 7)
        let anns = train["annotations"] as! [[String: Any]]
        XCTAssertFalse(anns.isEmpty)
        let records = try InstanceReader.readCOCO(dir + "/train.json")
        XCTAssertEqual(records.count, anns.count)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/video_000.partial-\(getpid())"))
    }
}
