import VPSCore
import VPSFormats
import VPSMotion

/// Settings of one `vps eval` run.
public struct EvalOptions: Sendable {
    /// Frame distance between the frames VPQ evaluates (Cityscapes-VPS: 5).
    public var vpqStride = 5
    /// Compute mask flicker (needs optical flow when frames are available).
    public var flicker = true
    public init(vpqStride: Int = 5, flicker: Bool = true) {
        self.vpqStride = vpqStride
        self.flicker = flicker
    }
}

/// Where the predictions of one video come from: frame `k` of the gt video's
/// frame list (by `frame_index`), or nil when the prediction has no such frame
/// (it then counts as all void).
public typealias PredictionFrames = (_ frameIndex: Int) throws -> PanopticFrame?

/// The RGB frame `frameIndex` of a video, for optical flow; nil when unavailable.
public typealias VideoFrames = (_ frameIndex: Int) throws -> RGBImage?

/// Runs every metric over pairs of videos, reading one frame at a time.
public struct Evaluator {
    public let categories: [Category]
    public let options: EvalOptions
    var vpq: VPQAccumulator
    var stq: STQAccumulator
    var tracking: TrackingAccumulator
    var flickerPred: FlickerAccumulator
    var flickerGT: FlickerAccumulator
    var videos: [VideoReport] = []
    var flowEstimator: FlowEstimator?

    public init(categories: [Category], options: EvalOptions = .init()) throws {
        guard !categories.isEmpty else { throw VPSError.invalidArgument("the ground truth lists no categories") }
        self.categories = categories
        self.options = options
        vpq = VPQAccumulator(categories: categories, stride: options.vpqStride)
        stq = STQAccumulator(categories: categories)
        tracking = TrackingAccumulator(categories: categories)
        flickerPred = FlickerAccumulator(categories: categories)
        flickerGT = FlickerAccumulator(categories: categories)
    }

    /// Evaluates one video. `gt` is read through `png`; `pred` yields the
    /// prediction per frame index; `images` the RGB frames for flow (optional).
    public mutating func addVideo(_ gt: PanopticVideo, png: PNGCodec, pred: PredictionFrames,
                                  images: VideoFrames? = nil) throws {
        var videoVPQ = VPQAccumulator(categories: categories, stride: options.vpqStride)
        vpq.beginVideo()
        stq.beginVideo(name: gt.name)
        tracking.beginVideo()
        var fp = FlickerAccumulator(categories: categories), fg = FlickerAccumulator(categories: categories)
        var perFramePQ: [Double?] = []
        var timeline: [Int: [Int]] = [:]
        var missing = 0
        var previousImage: RGBImage?
        for k in gt.frames.indices {
            let g = try gt.frame(k, png: png)
            let p: PanopticFrame
            if let q = try pred(g.index) {
                p = q
            } else {
                missing += 1
                p = PanopticFrame(index: g.index, width: g.width, height: g.height,
                                  ids: [Int32](repeating: 0, count: g.width * g.height), segments: [])
            }
            let o = try FrameOverlap(gt: g, pred: p, categories: categories)
            vpq.add(o)
            videoVPQ.add(o)
            try stq.add(o)
            tracking.add(o)
            var single = VPQAccumulator(categories: categories, stride: 1)
            single.add(o)
            perFramePQ.append(single.summary(window: 0, isThing: nil).0?.pq)
            for s in o.predSegments where categories.first(where: { $0.id == s.categoryId })?.isThing == true {
                timeline[s.id, default: []].append(g.index)
            }
            if options.flicker {
                var flow: FlowField?
                if let images, let img = try images(g.index) {
                    if let prevImg = previousImage {
                        if flowEstimator == nil { flowEstimator = try FlowEstimator(method: .dis(.medium)) }
                        flow = try flowEstimator!.flow(from: img, to: prevImg)
                    }
                    previousImage = img
                }
                fp.add(p, flow: flow)
                fg.add(g, flow: flow)
            }
        }
        tracking.finishVideo()
        flickerPred.merge(fp)
        flickerGT.merge(fg)
        let seq = stq.result().sequences.last!
        videos.append(VideoReport(
            name: gt.name, frames: gt.frames.count, missingPredictionFrames: missing,
            vpq: videoVPQ.result(), stq: seq, tracking: tracking.videoResult(videos.count),
            flicker: FlickerReport(prediction: fp.temporalConsistency, groundTruth: fg.temporalConsistency),
            perFramePQ: perFramePQ,
            trackTimeline: timeline.keys.sorted().map { TrackSpan(id: $0, frames: timeline[$0]!) }))
    }

    /// The report over all videos added so far.
    public func report() -> EvalReport {
        var t = tracking
        let s = stq.result()
        return EvalReport(
            categories: categories, vpqStride: options.vpqStride, videos: videos,
            overall: OverallReport(vpq: vpq.result(), stq: STQSequenceResult(name: "all", stq: s.stq, aq: s.aq, iou: s.iou, length: videos.reduce(0) { $0 + $1.frames }),
                                   tracking: t.result(),
                                   flicker: FlickerReport(prediction: flickerPred.temporalConsistency,
                                                          groundTruth: flickerGT.temporalConsistency)))
    }
}

extension FlickerAccumulator {
    mutating func merge(_ o: FlickerAccumulator) { sum += o.sum; count += o.count }
}

/// Mask temporal consistency (mean motion-compensated IoU, 0…1) of the
/// prediction and of the ground truth.
public struct FlickerReport: Equatable, Sendable, Codable {
    public var prediction: Double?
    public var groundTruth: Double?
}

/// The frames in which one predicted track id appears.
public struct TrackSpan: Equatable, Sendable, Codable {
    public var id: Int
    public var frames: [Int]
}

public struct VideoReport: Equatable, Sendable, Codable {
    public var name: String
    public var frames: Int
    public var missingPredictionFrames: Int
    public var vpq: VPQResult
    public var stq: STQSequenceResult
    public var tracking: TrackingFigures
    public var flicker: FlickerReport
    /// Image-level PQ (VPQ with k = 0) of each frame; nil where no category took part.
    public var perFramePQ: [Double?]
    public var trackTimeline: [TrackSpan]
}

public struct OverallReport: Equatable, Sendable, Codable {
    public var vpq: VPQResult
    public var stq: STQSequenceResult
    public var tracking: TrackingResult
    public var flicker: FlickerReport
}

/// Everything `vps eval` reports; `--json` prints it as is.
public struct EvalReport: Equatable, Sendable, Codable {
    public var categories: [Category]
    public var vpqStride: Int
    public var videos: [VideoReport]
    public var overall: OverallReport
}
