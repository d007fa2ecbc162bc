import Foundation
import XCTest
import VPSCore
import VPSFormats
import VPSSynth
import VPSVideo

final class SynthDifficultyTests: XCTestCase {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Samples/synth").path

    /// `normal` is the generator the committed Samples were made with
    /// (`vps synth --seed 1 --size 160x120 --frames 24`): its frames and
    /// ground truth stay byte for byte the same.
    func testNormalIsTheCommittedGenerator() throws {
        let options = SynthOptions(videos: 2, frames: 24, seed: 1, width: 160, height: 120)
        let scene = SyntheticScene(width: 160, height: 120, frames: 24, seed: options.videoSeed(1), difficulty: .normal)
        let png = ImageFile.pngCodec
        let truth = try PanopticDataset.open(Self.samples)[1]
        for t in [0, 9, 23] {
            let (image, frame) = scene.render(t)
            XCTAssertEqual(image, try ImageFile.read(Self.samples + "/video_001/frames/" + pad6(t) + ".png"), "frame \(t)")
            XCTAssertEqual(frame.ids, try truth.frame(t, png: png).ids, "frame \(t)")
        }
    }

    func testHardIsDeterministicAndDegraded() {
        let a = SyntheticScene(width: 160, height: 120, frames: 60, seed: SynthOptions(seed: 8).videoSeed(0), difficulty: .hard)
        let b = SyntheticScene(width: 160, height: 120, frames: 60, seed: SynthOptions(seed: 8).videoSeed(0), difficulty: .hard)
        let normal = SyntheticScene(width: 160, height: 120, frames: 60, seed: SynthOptions(seed: 8).videoSeed(0), difficulty: .normal)
        var voidFrames = 0, thingCounts: [Int] = [], normalCounts: [Int] = [], sharpness: [Double] = []
        for t in 0..<60 {
            let (ia, fa) = a.render(t), (ib, fb) = b.render(t)
            XCTAssertEqual(ia, ib)
            XCTAssertEqual(fa, fb)
            if fa.ids.contains(0) { voidFrames += 1 }
            thingCounts.append(fa.segments.filter { $0.categoryId >= 4 }.count)
            normalCounts.append(normal.render(t).truth.segments.filter { $0.categoryId >= 4 }.count)
            sharpness.append(Self.gradientRatio(ia))
        }
        XCTAssertNotEqual(a.render(3).image, normal.render(3).image)
        // Posts occlude: void pixels appear in the labels of some frames (never in normal).
        XCTAssertGreaterThan(voidFrames, 0)
        XCTAssertFalse((0..<60).contains { normal.render($0).truth.ids.contains(0) })
        // More objects on screen than normal.
        XCTAssertGreaterThan(thingCounts.reduce(0, +), normalCounts.reduce(0, +))
        // Bursts of horizontal motion blur: from one frame to the next,
        // horizontal detail drops sharply against vertical detail.
        func drops(_ ratios: [Double]) -> Int { (1..<ratios.count).filter { ratios[$0] < 0.8 * ratios[$0 - 1] }.count }
        XCTAssertGreaterThan(drops(sharpness), 0)
        XCTAssertEqual(drops((0..<60).map { Self.gradientRatio(normal.render($0).image) }), 0)
    }

    func testEasyHasFewerSlowerObjects() {
        var easy = 0, normal = 0
        for seed in UInt64(20)..<UInt64(26) {
            easy += SyntheticScene(width: 160, height: 120, frames: 10, seed: seed, difficulty: .easy).render(0).truth.segments.count
            normal += SyntheticScene(width: 160, height: 120, frames: 10, seed: seed, difficulty: .normal).render(0).truth.segments.count
        }
        XCTAssertLessThan(easy, normal)
    }

    /// Mean absolute difference of horizontally adjacent cells over that of
    /// vertically adjacent ones, on the green channel's 4×4 block means (the
    /// blocks average the pixel noise away).
    static func gradientRatio(_ image: RGBImage) -> Double {
        let W = image.width / 4, H = image.height / 4
        var cells = [Double](repeating: 0, count: W * H)
        for y in 0..<H * 4 {
            for x in 0..<W * 4 { cells[(y / 4) * W + x / 4] += Double(image.pixels[3 * (y * image.width + x) + 1]) }
        }
        var h = 0.0, v = 0.0
        for y in 1..<H {
            for x in 1..<W {
                h += abs(cells[y * W + x] - cells[y * W + x - 1])
                v += abs(cells[y * W + x] - cells[(y - 1) * W + x])
            }
        }
        return h / v
    }
}
