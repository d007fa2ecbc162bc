import Foundation
import XCTest
import VPSCore
import VPSEval
import VPSFormats
import VPSMotion
import VPSPanoptic
import VPSSynth
import VPSTracking

/// The tracker on `vps synth` ground truth made into noisy detections, scored
/// with VPSEval (TrackEval's CLEAR, Identity and HOTA on masks), against the
/// greedy VPSNet rule. Figures are printed; see README "Tracking".
///
/// Detections: every thing segment of the ground truth with at least
/// `minArea` visible pixels (synth's occlusions and same-class crossings hide
/// objects for frames at a time), of which 10 % are dropped at random; each
/// kept mask is shifted by up to ±1 px, its box (which the greedy rule uses)
/// jittered by up to ±3 px per side, its score drawn from 0.6…1, and, when
/// embeddings are on, its embedding computed from the frame's pixels under
/// the mask (`AppearanceEmbedding`). Motion maps: DIS (medium) from each
/// used frame to the previous used one.
final class SynthQualityTests: XCTestCase {
    static let videos = 4, frames = 60, width = 256, height = 192, seed: UInt64 = 5
    static let dropRate = 0.10, minArea = 24, boxJitter = 3.0, maskJitter = 1

    struct Clip {
        var truth: [PanopticFrame]
        var detections: [[Instance]]
        var flows: [FlowField?]
    }

    /// Renders the synth videos and makes the detections, using every
    /// `stride`-th frame (the rest are dropped, so motion is `stride` times faster).
    static func makeClips(stride: Int, embeddings: Bool) -> [Clip] {
        let estimator = try! FlowEstimator(method: .dis(.medium))
        let things = Set(SynthLabels.categories.filter(\.isThing).map(\.id))
        let options = SynthOptions(videos: videos, frames: frames, seed: seed, width: width, height: height)
        return (0..<videos).map { k in
            let scene = SyntheticScene(width: width, height: height, frames: frames, seed: options.videoSeed(k))
            var rng = SplitMix64(seed: seed &+ UInt64(k) &* 977)
            var clip = Clip(truth: [], detections: [], flows: [])
            var previous: RGBImage?
            for t in Swift.stride(from: 0, to: frames, by: stride) {
                var (image, truth) = scene.render(t)
                truth.index = clip.truth.count
                clip.flows.append(previous.map { try! estimator.flow(from: image, to: $0) })
                previous = image
                var dets: [Instance] = []
                for s in truth.segments where things.contains(s.categoryId) && s.area >= minArea {
                    let drop = rng.uniform(0, 1) < dropRate
                    let mask = BinaryMask(ids: truth.ids, frameWidth: width, frameHeight: height, id: s.id, box: s.bbox)
                        .shifted(dx: rng.int(-maskJitter, maskJitter), dy: rng.int(-maskJitter, maskJitter))
                    let j = { rng.uniform(-boxJitter, boxJitter) }
                    let b = mask.box
                    let box = Box(x1: b.x1 + j(), y1: b.y1 + j(), x2: b.x2 + j(), y2: b.y2 + j())
                    let score = rng.uniform(0.6, 1)
                    if drop || mask.isEmpty { continue }
                    dets.append(Instance(category: s.categoryId, score: score, box: box, mask: mask,
                                          embedding: embeddings ? AppearanceEmbedding.compute(image: image, mask: mask) : nil))
                }
                // detector order: by score, as Mask R-CNN returns them
                clip.detections.append(dets.sorted { $0.score > $1.score })
                clip.truth.append(truth)
            }
            return clip
        }
    }

    struct Figures: CustomStringConvertible {
        var idsw: Int, idf1: Double, assA: Double, hota: Double, mota: Double, reported: Int
        /// Mean time of one `update`, in milliseconds.
        var msPerFrame: Double
        var description: String {
            String(format: "IDSW %3d  IDF1 %.3f  AssA %.3f  HOTA %.3f  MOTA %.3f  with ID %4d  %.2f ms/frame",
                   idsw, idf1, assA, hota, mota, reported, msPerFrame)
        }
    }

    /// Runs a tracker (a new one per video) over the clips and scores it.
    func score(_ clips: [Clip], _ make: () throws -> any InstanceTracker) throws -> Figures {
        var acc = TrackingAccumulator(categories: SynthLabels.categories)
        var reported = 0, frames = 0
        var seconds = 0.0
        for clip in clips {
            var tracker = try make()
            acc.beginVideo()
            for t in clip.truth.indices {
                let d = clip.detections[t]
                let start = DispatchTime.now().uptimeNanoseconds
                let r = try tracker.update(d, flow: clip.flows[t])
                seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                frames += 1
                reported += r.filter { $0.trackId != nil }.count
                var ids = [Int?](repeating: nil, count: d.count)
                for x in r { ids[x.detection] = x.trackId }
                let pred = PanopticFusion().fuse(index: t, width: Self.width, height: Self.height, instances: d, trackIds: ids)
                acc.add(try FrameOverlap(gt: clip.truth[t], pred: pred, categories: SynthLabels.categories))
            }
        }
        let c = acc.result().combined
        return Figures(idsw: c.clear.idsw, idf1: c.idf1, assA: c.hota.assA, hota: c.hota.hota, mota: c.mota, reported: reported,
                       msPerFrame: seconds * 1000 / Double(max(1, frames)))
    }

    func report(_ title: String, _ clips: [Clip], _ rows: [(String, Figures)]) {
        let n = clips.reduce(0) { $0 + $1.detections.reduce(0) { $0 + $1.count } }
        print("\(title): \(Self.videos) videos, \(clips[0].truth.count) frames each, \(Self.width)x\(Self.height), seed \(Self.seed), \(n) detections")
        for (name, f) in rows { print("  " + name.padding(toLength: 28, withPad: " ", startingAt: 0) + "\(f)") }
    }

    func config(_ change: (inout TrackerConfig) -> Void) -> TrackerConfig {
        var c = TrackerConfig()
        change(&c)
        return c
    }

    /// Every frame, appearance embeddings from the pixels: the one-to-one
    /// assignment keeps the detections that VPSNet's greedy rule drops when two
    /// look-alikes pick the same object, and the lifecycle brings IDs back.
    func testBeatsGreedyWithAppearance() throws {
        let clips = Self.makeClips(stride: 1, embeddings: true)
        let greedy = try score(clips) { try GreedyTracker() }
        let ours = try score(clips) { try HungarianTracker() }
        let noMotion = try score(clips) { try HungarianTracker(config: config { $0.motionCompensation = false }) }
        let instant = try score(clips) { try HungarianTracker(config: config { $0.confirmHits = 1 }) }
        report("appearance, every frame", clips, [("greedy (VPSNet)", greedy), ("Hungarian (default)", ours),
                                                  ("Hungarian, no motion map", noMotion), ("Hungarian, confirm_hits 1", instant)])
        XCTAssertLessThanOrEqual(ours.idsw, greedy.idsw)
        XCTAssertGreaterThanOrEqual(ours.idf1, greedy.idf1 + 0.05)
        XCTAssertGreaterThanOrEqual(ours.assA, greedy.assA + 0.03)
    }

    /// Every third frame and no embeddings: objects move three times as far
    /// between frames and only IoU, label and score associate. Motion-compensated
    /// mask IoU is what keeps the IDs here.
    func testBeatsGreedyOnFastMotionWithoutAppearance() throws {
        let clips = Self.makeClips(stride: 3, embeddings: false)
        let greedy = try score(clips) { try GreedyTracker() }
        let ours = try score(clips) { try HungarianTracker() }
        let noMotion = try score(clips) { try HungarianTracker(config: config { $0.motionCompensation = false }) }
        report("no appearance, every 3rd frame", clips, [("greedy (VPSNet)", greedy), ("Hungarian (default)", ours),
                                                         ("Hungarian, no motion map", noMotion)])
        XCTAssertLessThanOrEqual(ours.idsw * 3, greedy.idsw)
        XCTAssertGreaterThanOrEqual(ours.idf1, greedy.idf1 + 0.08)
        XCTAssertGreaterThanOrEqual(ours.assA, greedy.assA + 0.08)
        XCTAssertLessThan(ours.idsw, noMotion.idsw, "the motion map must reduce ID switches")
        XCTAssertGreaterThanOrEqual(ours.idf1, noMotion.idf1 + 0.03)
    }
}
