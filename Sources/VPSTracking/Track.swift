import VPSCore

/// One object the tracker follows, and where it is in its life:
///
///     tentative ──(confirm_hits hits)──▶ confirmed ──(missed)──▶ lost
///         │                                  ▲                    │
///     (missed) ─▶ removed                    └──(matched again)───┤
///                                                 (max_lost_frames) ─▶ removed
///
/// Only confirmed tracks have an `id` (given at confirmation, from 1, never
/// reused); a lost track that is matched again keeps it.
public struct Track: Sendable {
    public enum State: String, Equatable, Sendable { case tentative, confirmed, lost }

    /// The reported identity; nil while tentative.
    public internal(set) var id: Int?
    public internal(set) var state: State
    public internal(set) var category: Int
    /// Appearance: a running mean of the detections' embeddings, L2-normalised
    /// when the detections' are (see `TrackerConfig.embeddingMomentum`).
    public internal(set) var embedding: [Float]?
    /// The mask of the last detection, in the geometry of the frame it was seen in.
    public internal(set) var lastMask: BinaryMask
    /// Box of the last detection (pixels, x1 y1 x2 y2).
    public internal(set) var lastBox: Box
    /// Where the mask is expected in the current frame (set by the tracker
    /// each frame before matching).
    public internal(set) var predictedMask: BinaryMask
    /// Velocity of the box centre in pixels per frame (image coordinates).
    public internal(set) var velocity: (dx: Double, dy: Double) = (0, 0)
    /// Frames in which the track was matched.
    public internal(set) var hits = 1
    /// Frames since the last match (0: matched in the current frame).
    public internal(set) var framesSinceSeen = 0
    /// Internal serial, unique per tracker, for tentative tracks too.
    let serial: Int

    init(serial: Int, detection d: Instance, mask: BinaryMask) {
        self.serial = serial
        state = .tentative
        category = d.category
        embedding = d.embedding
        lastMask = mask
        lastBox = d.box
        predictedMask = mask
    }

    /// Takes in a matched detection: mask, box, velocity and embedding.
    mutating func update(with d: Instance, mask: BinaryMask, embeddingMomentum: Double, velocityMomentum: Double) {
        let gap = Double(framesSinceSeen + 1) // frames since the last match: framesSinceSeen counts the missed ones
        let (ox, oy) = lastBox.center, (nx, ny) = d.box.center
        let v = ((nx - ox) / gap, (ny - oy) / gap)
        velocity = hits == 1 ? v : (velocityMomentum * velocity.dx + (1 - velocityMomentum) * v.0,
                                    velocityMomentum * velocity.dy + (1 - velocityMomentum) * v.1)
        if let e = d.embedding {
            if let old = embedding, old.count == e.count, embeddingMomentum > 0 {
                let m = Float(embeddingMomentum)
                var mix = zip(old, e).map { m * $0 + (1 - m) * $1 }
                let n = mix.reduce(0) { $0 + $1 * $1 }.squareRoot()
                let wasUnit = abs(e.reduce(0) { $0 + $1 * $1 } - 1) < 1e-3
                if wasUnit && n > 0 { mix = mix.map { $0 / n } }
                embedding = mix
            } else {
                embedding = e
            }
        }
        lastMask = mask
        lastBox = d.box
        predictedMask = mask
        hits += 1
        framesSinceSeen = 0
    }
}
