import VPSCore

/// The baseline: VPSNet's and MaskTrack R-CNN's test-time association, as
/// their `simple_test` does it.
///
/// - Memory: every object ever seen (embedding, last box, label), never
///   removed; a new object is appended and its ID is its position + 1.
/// - Affinity: `Affinity.matrix` with the plain box IoU of the detection's box
///   and the object's last box (no motion compensation).
/// - Greedy: each detection takes the argmax of its row (first on ties);
///   column 0 makes it a new object. When several detections pick the same
///   object, the one with the highest affinity keeps it and the others get no
///   ID (VPSNet writes the results into a dict keyed by object id, so the
///   last, i.e. best, one overwrites the rest), and the object's embedding and
///   box are replaced by the winner's. Its label is not updated.
/// - No lifecycle: every detection that wins is reported at once.
///
/// The 'new object' logit, embedding scale and weights are those of the
/// `TrackerConfig` given; the lifecycle settings are ignored.
public struct GreedyTracker: InstanceTracker, Sendable {
    public let config: TrackerConfig
    var memory: [AffinityReference] = []
    var boxes: [Box] = []

    public init(config: TrackerConfig = .init()) throws {
        try config.validate()
        self.config = config
    }

    /// Number of objects remembered (it only grows).
    public var objectCount: Int { memory.count }

    public mutating func update(_ detections: [Instance], flow: FlowField?) throws -> [TrackedDetection] {
        var out = detections.indices.map { TrackedDetection(detection: $0, trackId: nil) }
        if memory.isEmpty {
            for (i, d) in detections.enumerated() { remember(d); out[i].trackId = memory.count }
            return out
        }
        let T = memory.count, C = T + 1
        var iou = [Double](repeating: 0, count: detections.count * T)
        for (i, d) in detections.enumerated() { for j in 0..<T { iou[i * T + j] = d.box.iou(boxes[j]) } }
        let comp = Affinity.matrix(detections, memory, iou: iou, config: config)
        var best = [Double](repeating: -100, count: T)
        var winner = [Int?](repeating: nil, count: T)
        for (i, d) in detections.enumerated() {
            var arg = 0
            for c in 1..<C where comp[i * C + c] > comp[i * C + arg] { arg = c }
            if arg == 0 {
                remember(d)
                out[i].trackId = memory.count
            } else {
                let obj = arg - 1
                if comp[i * C + arg] > best[obj] {
                    if let w = winner[obj] { out[w].trackId = nil }
                    best[obj] = comp[i * C + arg]
                    winner[obj] = i
                    out[i].trackId = obj + 1
                    memory[obj].embedding = d.embedding
                    boxes[obj] = d.box
                }
            }
        }
        return out
    }

    mutating func remember(_ d: Instance) {
        memory.append(AffinityReference(category: d.category, embedding: d.embedding))
        boxes.append(d.box)
    }
}
