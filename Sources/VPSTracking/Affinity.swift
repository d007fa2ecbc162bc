import Foundation
import VPSCore

/// What the affinity needs to know of a track (or, in the greedy baseline,
/// of a remembered object).
public struct AffinityReference: Sendable {
    public var category: Int
    public var embedding: [Float]?
    public init(category: Int, embedding: [Float]?) {
        self.category = category
        self.embedding = embedding
    }
}

/// VPSNet's / MaskTrack R-CNN's comprehensive matching score (see `TrackerConfig`).
public enum Affinity {
    /// The D×(1+T) row-major matrix of a frame's D detections against T
    /// references; column 0 is 'new object', column 1 + j is reference j.
    /// A detection without an embedding gets logit 0 for 'new object' too
    /// (a uniform softmax), so that it joins a track of its class it overlaps.
    ///
    /// - Parameter iou: row-major D×T IoU of each detection with each reference
    ///   (mask IoU after motion compensation, or box IoU for the baseline).
    public static func matrix(_ detections: [Instance], _ references: [AffinityReference], iou: [Double],
                              config: TrackerConfig) -> [Double] {
        let D = detections.count, T = references.count, C = T + 1
        precondition(iou.count == D * T, "IoU matrix does not match \(D)x\(T)")
        var out = [Double](repeating: 0, count: D * C)
        var logits = [Double](repeating: 0, count: C)
        for (i, d) in detections.enumerated() {
            // Without an embedding every logit is 0 (MaskTrack R-CNN with all-zero
            // features): the softmax is uniform and IoU, label and score decide.
            logits[0] = d.embedding == nil ? 0 : config.newObjectLogit
            for (j, r) in references.enumerated() {
                logits[1 + j] = config.embeddingScale * dot(d.embedding, r.embedding)
            }
            let ll = logSoftmax(logits)
            let logScore = config.scoreWeight * log(max(d.score, 1e-6))
            out[i * C] = ll[0] + logScore + config.iouWeight * config.newObjectIou + config.labelWeight
            for (j, r) in references.enumerated() {
                let same: Double = r.category == d.category ? 1 : 0
                out[i * C + 1 + j] = ll[1 + j] + logScore + config.iouWeight * iou[i * T + j] + config.labelWeight * same
            }
        }
        return out
    }

    /// Dot product; 0 when either side has no embedding (a uniform term).
    public static func dot(_ a: [Float]?, _ b: [Float]?) -> Double {
        guard let a, let b, a.count == b.count else { return 0 }
        var s: Float = 0
        for k in a.indices { s += a[k] * b[k] }
        return Double(s)
    }

    /// log_softmax of a vector, computed stably.
    public static func logSoftmax(_ x: [Double]) -> [Double] {
        guard let m = x.max() else { return [] }
        let lse = m + log(x.reduce(0) { $0 + exp($1 - m) })
        return x.map { $0 - lse }
    }
}
