import Foundation

/// How hard `vps synth`'s videos are for a detector and a tracker.
///
/// - `easy`: fewer, larger, slower objects and half the pixel noise.
/// - `normal`: the reference generator (its bytes never change for a seed).
/// - `hard`: what makes per-frame detection fail now and then on real
///   footage: bursts of horizontal motion blur and heavy noise, brightness
///   drifts and sudden steps, thin posts in front of the scene that occlude
///   objects partially (labelled void), twice the speed, three same-class
///   crossings and smaller objects.
public enum SynthDifficulty: String, CaseIterable, Sendable {
    case easy, normal, hard

    /// Multiplies every object's speed.
    var speedScale: Double {
        switch self {
        case .easy: return 0.5
        case .normal: return 1
        case .hard: return 2
        }
    }

    /// Range of the number of objects besides the first crossing pair.
    var extraThings: ClosedRange<Int> {
        switch self {
        case .easy: return 2...3
        case .normal: return 3...6
        case .hard: return 4...7
        }
    }

    /// Half-extent of an object at t = 0, as a share of min(width, height).
    var sizeRange: (Double, Double) {
        switch self {
        case .easy: return (0.07, 0.12)
        case .normal: return (0.05, 0.11)
        case .hard: return (0.03, 0.09)
        }
    }

    /// Same-class crossing pairs.
    var crossings: Int { self == .hard ? 3 : 1 }

    /// Amplitude of the uniform per-pixel noise outside bursts (grey levels, ±).
    var noiseAmplitude: Float { self == .easy ? 3 : 6 }
}

/// The per-frame degradations of `SynthDifficulty.hard`, drawn once per video
/// from their own generator (so `normal`'s draws stay as they are) and
/// evaluated for any frame independently of the others.
struct Degradations: Sendable {
    /// A burst over frames [start, end): horizontal box blur of `blur` pixels
    /// (0: none) and noise of ±`noise` grey levels.
    struct Burst: Sendable { var start: Int, end: Int, blur: Int, noise: Float }
    /// A vertical post at world x, `width` pixels wide, from `top` (share of
    /// the height) down to the bottom, in a dark colour.
    struct Post: Sendable { var x: Double, width: Double, top: Double, color: (Double, Double, Double) }

    var bursts: [Burst] = []
    var posts: [Post] = []
    /// Brightness gain: 1 + amp·sin(2πt/period + phase), times the step gain after each step frame.
    var drift: (amp: Double, period: Double, phase: Double) = (0, 1, 0)
    var steps: [(frame: Int, gain: Double)] = []

    static let none = Degradations()

    init() {}

    init(width: Int, height: Int, frames: Int, worldWidth: Double, seed: UInt64) {
        var rng = SplitMix64(seed: seed ^ 0xD1FF_1C01_7EA5_0001)
        let W = Double(width)
        // About one frame in six is in a burst; bursts last 1–4 frames.
        var t = rng.int(0, 6)
        while t < frames {
            let length = rng.int(1, 4)
            let blur = rng.uniform(0, 1) < 0.6 ? rng.int(max(3, width / 50), max(5, width / 16)) : 0
            let noise = Float(rng.uniform(12, 30))
            bursts.append(Burst(start: t, end: min(frames, t + length), blur: blur, noise: noise))
            t += length + rng.int(6, 22)
        }
        for _ in 0..<rng.int(1, 3) {
            posts.append(Post(x: rng.uniform(0, worldWidth), width: W * rng.uniform(0.015, 0.04), top: rng.uniform(0, 0.5),
                              color: (rng.uniform(40, 90), rng.uniform(30, 70), rng.uniform(20, 50))))
        }
        drift = (rng.uniform(0.1, 0.25), Double(max(frames, 2)) * rng.uniform(0.3, 0.8), rng.uniform(0, 2 * .pi))
        for _ in 0..<rng.int(0, 2) {
            steps.append((rng.int(1, max(1, frames - 1)), rng.uniform(0.55, 1.45)))
        }
    }

    /// The burst frame `t` is in, if any.
    func burst(at t: Int) -> Burst? { bursts.first { t >= $0.start && t < $0.end } }

    /// Brightness gain at frame `t`.
    func gain(at t: Int) -> Double {
        var g = 1 + drift.amp * sin(2 * .pi * Double(t) / drift.period + drift.phase)
        for s in steps where t >= s.frame { g *= s.gain }
        return g
    }
}
