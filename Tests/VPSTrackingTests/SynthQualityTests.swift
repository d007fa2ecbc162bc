import Foundation
import XCTest
import VPSCore
import VPSEval
import VPSFormats
import VPSMotion
import VPSSynth
import VPSTracking

/// The tracker on `vps synth` ground truth made into noisy detections, scored
/// with VPSEval (TrackEval's CLEAR, Identity and HOTA on masks), against the
/// greedy VPSNet rule.
///
/// Detections: every thing segment of the ground truth with at least
/// `minArea` visible pixels (synth's occlusions and crossings hide objects for
/// frames at a time), of which `dropRate` are dropped at random; each kept
/// mask is shifted by up to ±1 px, its box jittered by up to ±`boxJitter` px
/// per side, its score drawn from 0.6…1, and its embedding computed from the
/// frame's pixels under the mask (`AppearanceEmbedding`). Motion maps: DIS
/// (medium) from each frame to the previous one.
final class SynthQualityTests: XCTestCase {
    static let videos = 2, frames = 40, width = 256, height = 192, seed: UInt64 = 5
    static let dropRate = 0.10, minArea = 24, boxJitter = 3.0

    struct Clip {
        var truth: [PanopticFrame]
        var detections: [[Detection]]
        var flows: [FlowField?]
    }

    /// Makes the clips once (rendering and flow dominate the test's time).
    static let clips: [Clip] = {
        let estimator = try! FlowEstimator(method: .dis(.medium))
        let things = Set(SynthLabels.categories.filter(\.isThing).map(\.id))
        let options = SynthOptions(videos: videos, frames: frames, seed: seed, width: width, height: height)
        return (0..<videos).map { k in
            let scene = SyntheticScene(width: width, height: height, frames: frames, seed: options.videoSeed(k))
            var rng = SplitMix64(seed: seed &+ UInt64(k) &* 977)
            var clip = Clip(truth: [], detections: [], flows: [])
            var previous: RGBImage?
            for t in 0..<frames {
                let (image, truth) = scene.render(t)
                clip.flows.append(previous.map { try! estimator.flow(from: image, to: $0) })
                previous = image
                var dets: [Detection] = []
                for s in truth.segments where things.contains(s.categoryId) && s.area >= minArea {
                    let drop = rng.uniform(0, 1) < dropRate
                    let mask = BinaryMask(ids: truth.ids, frameWidth: width, frameHeight: height, id: s.id, box: s.bbox)
                        .shifted(dx: rng.int(-1, 1), dy: rng.int(-1, 1))
                    let j = { rng.uniform(-boxJitter, boxJitter) }
                    let b = mask.box
                    let box = Box(x1: b.x1 + j(), y1: b.y1 + j(), x2: b.x2 + j(), y2: b.y2 + j())
                    let score = rng.uniform(0.6, 1)
                    if drop || mask.isEmpty { continue }
                    dets.append(Detection(category: s.categoryId, score: score, box: box, mask: mask,
                                          embedding: AppearanceEmbedding.compute(image: image, mask: mask)))
                }
                // detector order: by score, as Mask R-CNN returns them
                clip.detections.append(dets.sorted { $0.score > $1.score })
                clip.truth.append(truth)
            }
            return clip
        }
    }()

    struct Figures: CustomStringConvertible {
        var idsw: Int, idf1: Double, assA: Double, hota: Double, mota: Double, reported: Int
        var description: String {
            String(format: "IDSW %3d  IDF1 %.3f  AssA %.3f  HOTA %.3f  MOTA %.3f  dets with ID %d", idsw, idf1, assA, hota, mota, reported)
        }
    }

    /// Runs a tracker (one per video) over the clips and scores it.
    func score(_ make: () throws -> any InstanceTracker) throws -> Figures {
        var acc = TrackingAccumulator(categories: SynthLabels.categories)
        var reported = 0
        for clip in Self.clips {
            var tracker = try make()
            acc.beginVideo()
            for t in clip.truth.indices {
                let d = clip.detections[t]
                let r = try tracker.update(d, flow: clip.flows[t])
                reported += r.filter { $0.trackId != nil }.count
                let pred = TrackedFrame.panoptic(index: t, width: Self.width, height: Self.height, detections: d, tracked: r)
                acc.add(try FrameOverlap(gt: clip.truth[t], pred: pred, categories: SynthLabels.categories))
            }
        }
        let c = acc.result().combined
        return Figures(idsw: c.clear.idsw, idf1: c.idf1, assA: c.hota.assA, hota: c.hota.hota, mota: c.mota, reported: reported)
    }

    func testHungarianBeatsGreedyBaseline() throws {
        let dets = Self.clips.reduce(0) { $0 + $1.detections.reduce(0) { $0 + $1.count } }
        let greedy = try score { try GreedyTracker() }
        let ours = try score { try HungarianTracker() }
        let noMotion = try score { var c = TrackerConfig(); c.motionCompensation = false; return try HungarianTracker(config: c) }
        let instant = try score { var c = TrackerConfig(); c.confirmHits = 1; return try HungarianTracker(config: c) }
        print("synth \(Self.videos)×\(Self.frames) frames \(Self.width)x\(Self.height) seed \(Self.seed): \(dets) detections")
        print("  greedy (VPSNet)          \(greedy)")
        print("  Hungarian (vps default)  \(ours)")
        print("  Hungarian, no motion map \(noMotion)")
        print("  Hungarian, confirm_hits 1 \(instant)")
    }
}
