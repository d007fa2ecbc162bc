import Foundation

/// An axis-aligned box (x1, y1, x2, y2) in pixels, origin at the top-left,
/// x2/y2 exclusive in the continuous sense (width = x2 − x1), as torchvision.
public struct Box: Equatable, Hashable, Sendable, Codable {
    public var x1: Float, y1: Float, x2: Float, y2: Float
    public init(_ x1: Float, _ y1: Float, _ x2: Float, _ y2: Float) {
        self.x1 = x1; self.y1 = y1; self.x2 = x2; self.y2 = y2
    }
    public var width: Float { x2 - x1 }
    public var height: Float { y2 - y1 }
    /// (x2 − x1)·(y2 − y1), as torchvision's `box_area`.
    public var area: Float { (x2 - x1) * (y2 - y1) }

    /// Clamped to [0, width] × [0, height] (torchvision `clip_boxes_to_image`).
    public func clipped(height: Int, width: Int) -> Box {
        let w = Float(width), h = Float(height)
        return Box(min(max(x1, 0), w), min(max(y1, 0), h), min(max(x2, 0), w), min(max(y2, 0), h))
    }
}

/// torchvision's `BoxCoder`: box deltas (dx, dy, dw, dh) relative to reference boxes.
public struct BoxCoder: Sendable, Codable, Equatable {
    /// (wx, wy, ww, wh): (1, 1, 1, 1) in the RPN, (10, 10, 5, 5) in the box head.
    public var weights: [Float]
    /// Upper clamp of dw and dh before exp: log(1000/16).
    public var clip: Float

    public init(weights: [Float], clip: Float = Float(log(1000.0 / 16.0))) {
        precondition(weights.count == 4, "box coder needs 4 weights")
        self.weights = weights
        self.clip = clip
    }

    /// Applies `deltas` (4 values) to `reference`.
    @inlinable
    public func decode(_ d0: Float, _ d1: Float, _ d2: Float, _ d3: Float, reference b: Box) -> Box {
        let widths = b.x2 - b.x1, heights = b.y2 - b.y1
        let ctrX = b.x1 + 0.5 * widths, ctrY = b.y1 + 0.5 * heights
        let dx = d0 / weights[0], dy = d1 / weights[1]
        let dw = min(d2 / weights[2], clip), dh = min(d3 / weights[3], clip)
        let pcx = dx * widths + ctrX, pcy = dy * heights + ctrY
        let pw = exp(dw) * widths, ph = exp(dh) * heights
        let cw = 0.5 * pw, ch = 0.5 * ph
        return Box(pcx - cw, pcy - ch, pcx + cw, pcy + ch)
    }

    /// The deltas that turn `reference` into `target` (torchvision `encode_single`).
    public func encode(_ target: Box, reference r: Box) -> (Float, Float, Float, Float) {
        let ew = r.x2 - r.x1, eh = r.y2 - r.y1
        let ecx = r.x1 + 0.5 * ew, ecy = r.y1 + 0.5 * eh
        let gw = target.x2 - target.x1, gh = target.y2 - target.y1
        let gcx = target.x1 + 0.5 * gw, gcy = target.y1 + 0.5 * gh
        return (weights[0] * (gcx - ecx) / ew, weights[1] * (gcy - ecy) / eh,
                weights[2] * log(gw / ew), weights[3] * log(gh / eh))
    }
}

/// Non-maximum suppression with torchvision's CPU semantics.
public enum NMS {
    /// Indices of `scores` sorted by descending score; ties keep index order.
    public static func order(_ scores: [Float]) -> [Int] {
        Array(scores.indices).sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    }

    /// torchvision `nms`: keeps boxes in descending score order, dropping any
    /// whose IoU with a kept box is greater than `iouThreshold`.
    public static func nms(_ boxes: [Box], _ scores: [Float], iouThreshold: Float) -> [Int] {
        precondition(boxes.count == scores.count, "nms: boxes and scores differ in count")
        let ord = order(scores)
        var suppressed = [Bool](repeating: false, count: boxes.count)
        let areas = boxes.map { $0.area }
        var keep: [Int] = []
        for a in 0..<ord.count {
            let i = ord[a]
            if suppressed[i] { continue }
            keep.append(i)
            let bi = boxes[i], ai = areas[i]
            for b in (a + 1)..<max(ord.count, a + 1) {
                let j = ord[b]
                if suppressed[j] { continue }
                let bj = boxes[j]
                let w = max(0, min(bi.x2, bj.x2) - max(bi.x1, bj.x1))
                let h = max(0, min(bi.y2, bj.y2) - max(bi.y1, bj.y1))
                let inter = w * h
                let ovr = inter / (ai + areas[j] - inter)
                if ovr > iouThreshold { suppressed[j] = true }
            }
        }
        return keep
    }

    /// torchvision `batched_nms`: NMS within each category only. Like
    /// torchvision on CPU, it offsets boxes per category when there are at
    /// most 1000 boxes and loops over categories otherwise. Returns indices
    /// sorted by descending score.
    public static func batched(_ boxes: [Box], _ scores: [Float], categories: [Int], iouThreshold: Float) -> [Int] {
        precondition(boxes.count == scores.count && boxes.count == categories.count, "batched_nms: counts differ")
        if boxes.isEmpty { return [] }
        if boxes.count * 4 > 4000 {
            var keepMask = [Bool](repeating: false, count: boxes.count)
            var byCat: [Int: [Int]] = [:]
            for (i, c) in categories.enumerated() { byCat[c, default: []].append(i) }
            for (_, idx) in byCat {
                let k = nms(idx.map { boxes[$0] }, idx.map { scores[$0] }, iouThreshold: iouThreshold)
                for j in k { keepMask[idx[j]] = true }
            }
            let kept = keepMask.indices.filter { keepMask[$0] }
            return kept.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        }
        var maxCoord = -Float.infinity
        for b in boxes { maxCoord = max(maxCoord, b.x1, b.y1, b.x2, b.y2) }
        let shifted = zip(boxes, categories).map { b, c -> Box in
            let o = Float(c) * (maxCoord + 1)
            return Box(b.x1 + o, b.y1 + o, b.x2 + o, b.y2 + o)
        }
        return nms(shifted, scores, iouThreshold: iouThreshold)
    }
}
