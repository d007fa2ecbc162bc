import Foundation

/// An axis-aligned box (x1, y1, x2, y2) in pixels, origin at the top-left,
/// x2/y2 exclusive in the continuous sense (width = x2 − x1), as torchvision.
/// The engine's box, in Float32 as torchvision's box tensors hold it; the
/// model's outputs carry VPSCore's `Box` (Double) along the data path.
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
    ///
    /// Same arithmetic as torchvision's CPU kernel (`xx1 = max(ix1, x1[j])`…,
    /// `inter / (iarea + area[j] - inter)`); the boxes are laid out by score
    /// as separate coordinate arrays, and each kept box tests every later
    /// candidate in a branch-free loop the compiler vectorises. Testing a
    /// candidate that is already suppressed again changes nothing, so the
    /// kept set is torchvision's.
    public static func nms(_ boxes: [Box], _ scores: [Float], iouThreshold: Float) -> [Int] {
        precondition(boxes.count == scores.count, "nms: boxes and scores differ in count")
        let ord = order(scores)
        let n = ord.count
        if n == 0 { return [] }
        var coords = [Float](repeating: 0, count: 5 * n)
        var suppressed = [UInt8](repeating: 0, count: n)
        var keep: [Int] = []
        coords.withUnsafeMutableBufferPointer { cb in
            let x1 = cb.baseAddress!, y1 = x1 + n, x2 = y1 + n, y2 = x2 + n, area = y2 + n
            for (a, i) in ord.enumerated() {
                let b = boxes[i]
                x1[a] = b.x1; y1[a] = b.y1; x2[a] = b.x2; y2[a] = b.y2; area[a] = b.area
            }
            suppressed.withUnsafeMutableBufferPointer { sb in
                let sup = sb.baseAddress!
                for a in 0..<n where sup[a] == 0 {
                    keep.append(ord[a])
                    let ix1 = x1[a], iy1 = y1[a], ix2 = x2[a], iy2 = y2[a], iarea = area[a]
                    for j in (a + 1)..<max(n, a + 1) {
                        let xx1 = ix1 < x1[j] ? x1[j] : ix1, yy1 = iy1 < y1[j] ? y1[j] : iy1
                        let xx2 = x2[j] < ix2 ? x2[j] : ix2, yy2 = y2[j] < iy2 ? y2[j] : iy2
                        let dw = xx2 - xx1, dh = yy2 - yy1
                        let w: Float = dw > 0 ? dw : 0, h: Float = dh > 0 ? dh : 0
                        let inter = w * h
                        let over: UInt8 = inter / (iarea + area[j] - inter) > iouThreshold ? 1 : 0
                        sup[j] |= over
                    }
                }
            }
        }
        return keep
    }

    /// torchvision `batched_nms`: NMS within each category only. Like
    /// torchvision on CPU, it offsets boxes per category when there are at
    /// most 1000 boxes and loops over categories otherwise. Returns indices
    /// sorted by descending score; equal scores in the order torchvision
    /// gives them (index order with at most 1000 boxes, `TorchSort`'s
    /// otherwise).
    public static func batched(_ boxes: [Box], _ scores: [Float], categories: [Int], iouThreshold: Float) -> [Int] {
        precondition(boxes.count == scores.count && boxes.count == categories.count, "batched_nms: counts differ")
        if boxes.isEmpty { return [] }
        if boxes.count * 4 > 4000 {
            var keepMask = [Bool](repeating: false, count: boxes.count)
            var byCat: [Int: [Int]] = [:]
            for (i, c) in categories.enumerated() { byCat[c, default: []].append(i) }
            // Categories are independent: run them in parallel (each writes
            // only its own boxes' flags).
            let groups = Array(byCat.values)
            keepMask.withUnsafeMutableBufferPointer { km in
                let mask = km.baseAddress!
                DispatchQueue.concurrentPerform(iterations: groups.count) { g in
                    let idx = groups[g]
                    let k = nms(idx.map { boxes[$0] }, idx.map { scores[$0] }, iouThreshold: iouThreshold)
                    for j in k { mask[idx[j]] = true }
                }
            }
            // As torchvision: kept indices ascending, then PyTorch's unstable
            // descending sort by score (its order of equal scores).
            let kept = keepMask.indices.filter { keepMask[$0] }
            return TorchSort.descendingOrder(kept.map { scores[$0] }).map { kept[$0] }
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
