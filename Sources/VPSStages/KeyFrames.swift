import VPSCore
import VPSDetection
import VPSMotion

/// When the `features` stage runs the backbone, and what the frames in
/// between get (Deep Feature Flow's key frames, with an adaptive trigger).
///
/// A key frame comes every `interval` frames, and earlier when the motion
/// since the last key frame grows large: the mean length of the flow
/// composed from the current frame back to the key frame exceeds
/// `maxMotion` frame pixels, or the share of pixels whose composed flow
/// leads outside the frame exceeds `maxOutside`. Between key frames the key
/// frame's features are carried along the composed flow
/// (`FeatureMaps.carried(by:)`), or, with `propagate: masks`, not computed
/// at all (an explicit gap: `detect` skips the frame and the `propagate`
/// stage carries the last detections instead).
public struct KeyFrameSchedule: Equatable, Sendable {
    /// What frames between key frames get.
    public enum Propagation: String, CaseIterable, Sendable {
        /// The key frame's features, warped; the heads run on them.
        case features
        /// Nothing: the frame is a gap for `detect`, filled by `propagate`.
        case masks
    }

    /// Frames from one key frame to the next (1: every frame is a key frame).
    public var interval: Int
    /// Mean composed motion, in frame pixels, that forces a key frame (0: off).
    public var maxMotion: Double
    /// Share of pixels whose composed motion leads out of the frame that forces a key frame (0: off).
    public var maxOutside: Double
    public var propagate: Propagation

    public init(interval: Int = 1, maxMotion: Double = 0, maxOutside: Double = 0, propagate: Propagation = .features) {
        self.interval = interval
        self.maxMotion = maxMotion
        self.maxOutside = maxOutside
        self.propagate = propagate
    }

    /// Every frame a key frame: the backbone always runs.
    public var everyFrame: Bool { interval == 1 }
}

/// The `features` stage's memory between key frames: the key frame's
/// features and the flow composed from the latest frame back to it.
struct KeyFrameState {
    var key: FeatureMaps
    /// Frames since the key frame.
    var age = 0
    /// Latest frame → key frame, in pixels of the resized image.
    var composed: FlowField?

    /// The flow from the current frame back to the key frame, given the
    /// current frame's motion map (current → previous, any resolution).
    func composing(_ motion: FlowField) -> FlowField {
        let step = motion.resampled(width: key.resizedSize.w, height: key.resizedSize.h)
        return composed.map { step.composed(with: $0) } ?? step
    }
}
