import Foundation
import TestSupport
import VPSCore
import VPSFormats
import VPSPipeline
import VPSRender
import VPSStages
import XCTest

final class PanopticRenderTests: XCTestCase {
    func render(_ stage: PanopticRenderStage, _ image: RGBImage, _ result: PanopticResult?, index: Int = 0) throws -> RGBImage {
        var p = packet(index, image)
        p[PanopticKey.self] = result
        try stage.process(&p)
        return try XCTUnwrap(p[CanvasKey.self])
    }

    func textured(_ w: Int, _ h: Int) -> RGBImage {
        var img = RGBImage(width: w, height: h)
        for y in 0..<h { for x in 0..<w { let v = TestMedia.texture(x, y); img[x, y] = (v, 255 - v, v / 2) } }
        return img
    }

    // MARK: settings

    /// `render` builds the mode asked for and rejects settings of other modes.
    func testRenderModesAndSettings() throws {
        let s = try XCTUnwrap(try buildStage("render", ["mode": .string("panoptic"), "trails": .int(5),
                                                        "stuff_opacity": .double(0.3)]) as? PanopticRenderStage)
        XCTAssertEqual([s.maskOpacity, s.stuffOpacity], [0.5, 0.3])
        XCTAssertEqual(s.trailLength, 5)
        XCTAssertNil(s.labelScale)
        XCTAssertEqual(PanopticDrawing.autoLabelScale(height: 480), 0.45)
        XCTAssertEqual(PanopticDrawing.autoLabelScale(height: 120), 0.25)
        XCTAssertEqual(PanopticDrawing.autoLabelScale(height: 2160), 0.9)
        XCTAssertEqual(try XCTUnwrap(try buildStage("render", ["mode": .string("panoptic"), "label_scale": .double(0.6)])
            as? PanopticRenderStage).labelScale, 0.6)
        XCTAssertEqual(s.requires, [FrameKey.name, PanopticKey.name])
        XCTAssertEqual(s.provides, [CanvasKey.name])
        XCTAssertEqual(try XCTUnwrap(try buildStage("render", ["mode": .string("panoptic")]) as? PanopticRenderStage).trailLength, 0)
        XCTAssertTrue(try buildStage("render", [:]) is FlowRenderStage)
        XCTAssertTrue(try buildStage("render", ["mode": .string("instances"), "mask_opacity": .double(0.2)]) is InstanceRenderStage)
        let bad: [([String: SettingValue], String)] = [
            (["mode": .string("panoptic"), "trails": .int(-1)], "render trails must be a frame count"),
            (["mode": .string("panoptic"), "stuff_opacity": .double(1.5)], "render stuff_opacity must be within 0…1"),
            (["mode": .string("panoptic"), "side_by_side": .bool(true)], "'side_by_side' applies to mode flow, not panoptic"),
            (["mode": .string("flow"), "mask_opacity": .double(0.5)], "'mask_opacity' applies to mode instances, panoptic, not flow"),
            (["mode": .string("panoptic"), "label_scale": .double(0)], "render label_scale must be within 0…10"),
            (["mode": .string("tracks")], "render mode 'tracks' is unknown; valid: flow, instances, panoptic"),
            (["mode": .string("panoptic"), "colour": .string("red")], "stage 'render' has no setting 'colour'; valid: mode, "),
        ]
        for (settings, message) in bad {
            XCTAssertThrowsError(try buildStage("render", settings), "\(settings)") { e in
                guard case VPSError.invalidPipeline(let m) = e else { return XCTFail("\(e)") }
                XCTAssertTrue(m.contains(message), m)
            }
        }
    }

    // MARK: colours

    /// A track's colour is a function of its ID alone; consecutive IDs are far
    /// apart and the first hundred are all different.
    func testTrackColoursAreStableAndDistinct() {
        let colours = (1...100).map { Palette.colour(trackId: $0) }
        XCTAssertEqual(colours, (1...100).map { Palette.colour(trackId: $0) })
        XCTAssertEqual(Set(colours).count, 100)
        func distance(_ a: RGBColour, _ b: RGBColour) -> Int { abs(Int(a.r) - Int(b.r)) + abs(Int(a.g) - Int(b.g)) + abs(Int(a.b) - Int(b.b)) }
        for (a, b) in zip(colours, colours.dropFirst()) { XCTAssertGreaterThan(distance(a, b), 150, "\(a) \(b)") }
        XCTAssertEqual(RGBColour(250, 240, 60).textColour, RGBColour(0, 0, 0))
        XCTAssertEqual(RGBColour(20, 40, 200).textColour, RGBColour(255, 255, 255))
    }

    /// In the rendered frames a track keeps its colour wherever it moves, and
    /// another track's is different.
    func testTrackKeepsItsColourAcrossFrames() throws {
        let stage = PanopticRenderStage()
        let black = RGBImage(width: 120, height: 80)
        let f0 = try render(stage, black, panopticResult(width: 120, height: 80, rects: [
            (1003, 3, 0.9, 10, 30, 26, 46), (1004, 4, 0.8, 60, 30, 76, 46)]))
        let f1 = try render(stage, black, panopticResult(index: 1, width: 120, height: 80, rects: [
            (1003, 3, 0.9, 80, 50, 96, 66)]), index: 1)
        let c3 = Palette.colour(trackId: 3)
        // Half the track colour over black, rounded.
        func half(_ v: UInt8) -> UInt8 { UInt8((Int(v) * 128 + 128) >> 8) }
        let expected = (half(c3.r), half(c3.g), half(c3.b))
        XCTAssertTrue(f0[18, 38] == expected, "\(f0[18, 38])")
        XCTAssertTrue(f1[88, 58] == expected, "\(f1[88, 58])")
        XCTAssertFalse(f0[68, 38] == expected)
        XCTAssertTrue(f0[68, 38] != (0, 0, 0))
    }

    // MARK: what is drawn where

    /// Without stuff, only the thing (mask, outline, box) and its label change
    /// pixels; every masked pixel changes; the label sits above the box on the
    /// track's colour with readable text.
    func testOnlyThingsAndLabelsChangePixels() throws {
        let w = 240, h = 100
        let frame = textured(w, h)
        let out = try render(PanopticRenderStage(labelScale: 0.45), frame, panopticResult(width: w, height: h, rects: [(1003, 3, 0.97, 60, 50, 90, 80)]))
        let colour = Palette.colour(trackId: 3), text = colour.textColour
        var changedInside = 0, labelBackground = 0, labelText = 0
        for y in 0..<h {
            for x in 0..<w where !(out[x, y] == frame[x, y]) {
                let inBox = x >= 60 && x < 90 && y >= 50 && y < 80
                let inLabel = x >= 60 && x < 60 + 160 && y >= 30 && y < 50
                XCTAssertTrue(inBox || inLabel, "pixel (\(x), \(y)) changed outside the thing and its label")
                if inBox { changedInside += 1 }
                if inLabel {
                    let p = out[x, y]
                    if p == (colour.r, colour.g, colour.b) { labelBackground += 1 }
                    if abs(Int(p.0) - Int(text.r)) + abs(Int(p.1) - Int(text.g)) + abs(Int(p.2) - Int(text.b)) < 60 { labelText += 1 }
                }
            }
        }
        XCTAssertGreaterThanOrEqual(changedInside, 30 * 30 - 9, "masked pixels must change")
        XCTAssertGreaterThan(labelBackground, 300, "the label box is filled with the track's colour")
        XCTAssertGreaterThan(labelText, 40, "the label's text is drawn")
        // The outline is the track colour at full strength, the inside a blend.
        XCTAssertTrue(out[60, 65] == (colour.r, colour.g, colour.b))
        XCTAssertTrue(out[61, 65] == (colour.r, colour.g, colour.b))
        XCTAssertFalse(out[75, 65] == (colour.r, colour.g, colour.b))
        XCTAssertEqual(PanopticDrawing.labelText(Segment(id: 1003, trackId: 3, score: 0.968), name: "person"), "person #3 0.97")
        XCTAssertEqual(PanopticDrawing.labelText(Segment(id: 2001, trackId: 41, score: 0.5), name: "café"), "caf? #41 0.50")
        XCTAssertEqual(PanopticDrawing.labelText(Segment(id: 7001, trackId: 1, score: 1), name: nil), "class 7 #1 1.00")
    }

    /// Stuff gets a light tint (a quarter of its colour), without outline,
    /// box or label; void stays as it was.
    func testStuffIsTintedLightly() throws {
        let grey = RGBImage(width: 64, height: 32, fill: (128, 128, 128))
        let out = try render(PanopticRenderStage(), grey, panopticResult(width: 64, height: 32, rects: [(51000, nil, 1, 0, 0, 64, 16)]))
        let c = Palette.stuffColour(category: 51)
        func mix(_ v: UInt8) -> UInt8 { UInt8((128 * 192 + Int(v) * 64 + 128) >> 8) }
        let tint = (mix(c.r), mix(c.g), mix(c.b))
        for y in 0..<32 {
            for x in 0..<64 { XCTAssertTrue(out[x, y] == (y < 16 ? tint : (128, 128, 128)), "(\(x), \(y)): \(out[x, y])") }
        }
    }

    /// A frame without a panoptic result is passed through as the canvas.
    func testWithoutResultTheFrameIsTheCanvas() throws {
        let frame = textured(16, 8)
        XCTAssertEqual(try render(PanopticRenderStage(), frame, nil), frame)
    }

    // MARK: trails

    /// A trail spans the last N frames; once a track has been away N frames
    /// its history is gone, so memory stays flat on long videos.
    func testTrailsArePruned() throws {
        let stage = PanopticRenderStage(trailLength: 3)
        let plain = PanopticRenderStage()
        let black = RGBImage(width: 100, height: 60)
        for t in 0..<4 {
            let r = panopticResult(index: t, width: 100, height: 60, rects: [(1005, 5, 0.9, 10 + 8 * t, 30, 30 + 8 * t, 50)])
            let drawn = try render(stage, black, r, index: t)
            if t == 3 { XCTAssertNotEqual(drawn, try render(plain, black, r, index: t), "the trail is drawn") }
        }
        XCTAssertEqual(stage.trails?.path(of: 5).map(\.frame), [1, 2, 3])
        XCTAssertEqual(stage.trails?.path(of: 5).first, MotionTrails.Point(frame: 1, x: 28, y: 40), "centroid of 18..<38 × 30..<50")
        for t in 4..<6 { _ = try render(stage, black, panopticResult(index: t, width: 100, height: 60, rects: []), index: t) }
        XCTAssertEqual(stage.trails?.path(of: 5).map(\.frame), [3])
        _ = try render(stage, black, panopticResult(index: 6, width: 100, height: 60, rects: []), index: 6)
        XCTAssertEqual(stage.trails?.trackCount, 0)
        XCTAssertEqual(stage.trails?.path(of: 5), [])
    }

    /// Many short-lived tracks over a long run: at most `length` frames of
    /// tracks are remembered; going back to an earlier frame starts afresh.
    func testTrailMemoryIsBounded() {
        var trails = MotionTrails(length: 5)
        for t in 0..<2000 {
            trails.record(frame: t, centroids: [t: (Double(t), 0), t + 1: (Double(t), 1)])
            XCTAssertLessThanOrEqual(trails.trackCount, 6)
            XCTAssertLessThanOrEqual(trails.pointCount, 10)
        }
        trails.record(frame: 0, centroids: [1: (0, 0)])
        XCTAssertEqual(trails.trackCount, 1)
    }

    // MARK: a full frame

    /// A 768×576 frame (vtest.avi's size) with 20 things over 3 stuff regions
    /// and 10-frame trails, as `vps bench io` times it: every thing is drawn
    /// over its own pixels, and rendering the same input again gives the same
    /// bytes. (Its speed is `vps bench io`'s "render (panoptic …)" line.)
    func testFullFrameWithTwentyThings() throws {
        var rects: [(id: Int, trackId: Int?, score: Double, x0: Int, y0: Int, x1: Int, y1: Int)] = [
            (51000, nil, 1, 0, 0, 768, 200), (52000, nil, 1, 0, 200, 768, 400), (53000, nil, 1, 0, 400, 768, 576)]
        for k in 0..<20 {
            let x = 20 + (k % 10) * 72, y = 60 + (k / 10) * 220
            rects.append((1000 + k + 1, k + 1, 0.5 + Double(k) / 50, x, y, x + 60, y + 160))
        }
        let result = panopticResult(width: 768, height: 576, rects: rects)
        let frame = textured(768, 576)
        let first = PanopticRenderStage(trailLength: 10), second = PanopticRenderStage(trailLength: 10)
        var drawn = frame
        for t in 0..<3 {
            drawn = try render(first, frame, result, index: t)
            XCTAssertEqual(drawn, try render(second, frame, result, index: t), "frame \(t) rendered twice differs")
        }
        for r in rects.dropFirst(3) {
            // The thing's interior, away from its outline, label and box.
            var changed = 0, n = 0
            for y in (r.y0 + 30)..<(r.y1 - 10) {
                for x in (r.x0 + 6)..<(r.x1 - 6) {
                    n += 1
                    if drawn[x, y] != frame[x, y] { changed += 1 }
                }
            }
            XCTAssertGreaterThan(Double(changed) / Double(n), 0.9, "track \(r.trackId!) is not drawn over its pixels")
        }
    }
}
