import VPSCore

/// vps's tracker: the VPSNet / MaskTrack R-CNN affinity (see `TrackerConfig`)
/// with motion-compensated mask IoU, one Hungarian assignment per frame
/// (`LinearAssignment`) and a track lifecycle (see `Track`).
///
/// Per frame:
/// 1. Predict each track's mask in the current frame: a track seen in the
///    previous frame has its mask warped by the motion map (`BinaryMask.warped`);
///    a lost track has its last mask moved at its own velocity for the frames
///    it has been gone (the motion map at its place shows whatever hides it).
/// 2. Affinity of every detection with every live track (tentative, confirmed
///    and lost) and with 'new object'.
/// 3. Hungarian assignment on detections × (tracks + one 'new object' column
///    per detection), maximising the total affinity. A pair whose affinity is
///    below the detection's 'new object' affinity is not allowed (as in the
///    greedy rule, a match must beat starting a new object).
/// 4. Lifecycle: matched tracks take the detection (and tentative ones may be
///    confirmed); unmatched tentative tracks are removed, confirmed ones become
///    lost and lost ones age out after `max_lost_frames`; unmatched detections
///    start tentative tracks.
///
/// Reported IDs: a detection gets its track's ID when the track is confirmed
/// after this frame. A detection that starts a track (or continues a
/// tentative one not yet at `confirm_hits`) is not reported (`trackId` nil).
public struct HungarianTracker: InstanceTracker, Sendable {
    public let config: TrackerConfig
    /// Live tracks (tentative, confirmed and lost), oldest first.
    public private(set) var tracks: [Track] = []
    /// The frame index the next `update` is for, from 0.
    public private(set) var frame = 0
    var nextSerial = 0
    var nextId = 1

    public init(config: TrackerConfig = .init()) throws {
        try config.validate()
        self.config = config
    }

    public mutating func update(_ detections: [Instance], flow: FlowField?) throws -> [TrackedDetection] {
        let masks = try check(detections, flow: flow)
        defer { frame += 1 }
        try predict(flow: flow)
        let match = associate(detections, masks: masks)
        var result = detections.indices.map { TrackedDetection(detection: $0, trackId: nil) }
        var matchedTracks = Set<Int>()
        for (i, j) in match {
            matchedTracks.insert(j)
            var t = tracks[j]
            t.update(with: detections[i], mask: masks[i], embeddingMomentum: config.embeddingMomentum, velocityMomentum: config.velocityMomentum)
            if t.state == .lost { t.state = .confirmed }
            if t.state == .tentative && t.hits >= config.confirmHits { confirm(&t) }
            tracks[j] = t
            if t.state == .confirmed { result[i].trackId = t.id }
        }
        // unmatched tracks
        var kept: [Track] = []
        for (j, var t) in tracks.enumerated() {
            if matchedTracks.contains(j) { kept.append(t); continue }
            switch t.state {
            case .tentative: continue
            case .confirmed: t.state = .lost; t.framesSinceSeen = 1
            case .lost: t.framesSinceSeen += 1
            }
            if t.framesSinceSeen > config.maxLostFrames { continue }
            kept.append(t)
        }
        let lost = kept.indices.filter { kept[$0].state == .lost }
        if lost.count > config.maxLostTracks {
            let evict = Set(lost.sorted { kept[$0].framesSinceSeen > kept[$1].framesSinceSeen }.prefix(lost.count - config.maxLostTracks))
            kept = kept.enumerated().filter { !evict.contains($0.offset) }.map(\.element)
        }
        tracks = kept
        // unmatched detections start tracks
        let matchedDets = Set(match.map(\.0))
        for i in detections.indices where !matchedDets.contains(i) {
            var t = Track(serial: nextSerial, detection: detections[i], mask: masks[i])
            nextSerial += 1
            if config.confirmHits <= 1 { confirm(&t); result[i].trackId = t.id }
            tracks.append(t)
        }
        return result
    }

    /// The detections' masks, each present and of one frame size (that of
    /// the tracks and the flow), and finite scores.
    func check(_ detections: [Instance], flow: FlowField?) throws -> [BinaryMask] {
        let masks = try detections.enumerated().map { i, d in
            guard let m = d.mask else { throw VPSError.internalFailure("tracker: detection \(i) of frame \(frame) has no mask") }
            return m
        }
        let size = tracks.first.map { ($0.lastMask.frameWidth, $0.lastMask.frameHeight) }
            ?? flow.map { ($0.width, $0.height) }
            ?? masks.first.map { ($0.frameWidth, $0.frameHeight) }
        for (i, (d, m)) in zip(detections, masks).enumerated() {
            guard d.score.isFinite else { throw VPSError.internalFailure("tracker: detection \(i) of frame \(frame) has score \(d.score)") }
            if let (w, h) = size, m.frameWidth != w || m.frameHeight != h {
                throw VPSError.internalFailure("tracker: detection \(i) of frame \(frame) has a \(m.frameWidth)x\(m.frameHeight) mask, expected \(w)x\(h)")
            }
        }
        return masks
    }

    mutating func confirm(_ t: inout Track) {
        t.state = .confirmed
        t.id = nextId
        nextId += 1
    }

    /// Sets every track's `predictedMask` for the current frame.
    mutating func predict(flow: FlowField?) throws {
        let useFlow = config.motionCompensation ? flow : nil
        let margin = useFlow.map(BinaryMask.warpMargin(of:)) ?? 0
        for j in tracks.indices {
            let t = tracks[j]
            if t.framesSinceSeen == 0 {
                tracks[j].predictedMask = try useFlow.map { try t.lastMask.warped(by: $0, margin: margin) } ?? t.lastMask
            } else {
                let k = Double(t.framesSinceSeen + 1)
                tracks[j].predictedMask = t.lastMask.shifted(dx: Int((t.velocity.dx * k).rounded()), dy: Int((t.velocity.dy * k).rounded()))
            }
        }
    }

    /// The (detection, track) pairs of the Hungarian assignment.
    func associate(_ detections: [Instance], masks: [BinaryMask]) -> [(Int, Int)] {
        let D = detections.count, T = tracks.count
        guard D > 0, T > 0 else { return [] }
        let a = affinity(detections, masks: masks)
        let C = T + 1, N = T + D
        let forbidden = -1e9
        var m = [Double](repeating: forbidden, count: D * N)
        for i in 0..<D {
            let new = a[i * C]
            for j in 0..<T where a[i * C + 1 + j] > new { m[i * N + j] = a[i * C + 1 + j] }
            m[i * N + T + i] = new
        }
        return LinearAssignment.solve(m, rows: D, cols: N, maximize: true)
            .filter { $0.col < T && m[$0.row * N + $0.col] > forbidden }
            .map { ($0.row, $0.col) }
    }

    /// The D×(1+T) affinity of the detections with the live tracks (column 0:
    /// new object), against the masks `predict` set for this frame.
    func affinity(_ detections: [Instance], masks: [BinaryMask]) -> [Double] {
        let T = tracks.count
        var iou = [Double](repeating: 0, count: detections.count * T)
        for (i, m) in masks.enumerated() {
            for (j, t) in tracks.enumerated() { iou[i * T + j] = m.iou(t.predictedMask) }
        }
        return Affinity.matrix(detections, tracks.map { AffinityReference(category: $0.category, embedding: $0.embedding) },
                               iou: iou, config: config)
    }
}
