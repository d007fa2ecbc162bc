/// The recent path of every track: its mask centroid in each of the last
/// `length` frames, for drawing motion trails.
///
/// Memory stays flat on any video length: a point older than `length` frames
/// is dropped, and so is a track with no point left (one unseen for `length`
/// frames), so at most `length` points are kept per track seen recently.
public struct MotionTrails: Sendable {
    /// One centroid: frame index and position in pixels (origin top-left).
    public struct Point: Equatable, Sendable {
        public var frame: Int
        public var x: Double
        public var y: Double

        public init(frame: Int, x: Double, y: Double) {
            self.frame = frame
            self.x = x
            self.y = y
        }
    }

    /// How many frames a trail spans (≥ 1).
    public let length: Int
    private var paths: [Int: [Point]] = [:]
    private var lastFrame: Int?

    public init(length: Int) {
        precondition(length >= 1, "a trail spans at least one frame")
        self.length = length
    }

    /// Adds frame `frame`'s centroids (track ID → position) and forgets what
    /// is now `length` or more frames old. Frames must come in order; an
    /// earlier frame than the last one starts afresh (a new video).
    public mutating func record(frame: Int, centroids: [Int: (x: Double, y: Double)]) {
        if let last = lastFrame, frame < last { paths.removeAll() }
        lastFrame = frame
        for (id, c) in centroids { paths[id, default: []].append(Point(frame: frame, x: c.x, y: c.y)) }
        let oldest = frame - length + 1
        for (id, path) in paths where path[0].frame < oldest {
            let kept = path.drop { $0.frame < oldest }
            paths[id] = kept.isEmpty ? nil : Array(kept)
        }
    }

    /// The path of track `trackId`, oldest point first (empty when none is kept).
    public func path(of trackId: Int) -> [Point] { paths[trackId] ?? [] }

    /// How many tracks have a path.
    public var trackCount: Int { paths.count }

    /// How many points are kept over all tracks.
    public var pointCount: Int { paths.values.reduce(0) { $0 + $1.count } }
}
