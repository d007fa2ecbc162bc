/// Comparisons of boxes and masks that several test targets make.
public enum Geometry {
    /// The largest coordinate difference of two (x1, y1, x2, y2) boxes, in pixels.
    public static func boxDistance(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == 4 && b.count == 4, "boxes have four coordinates")
        return max(abs(a[0] - b[0]), abs(a[1] - b[1]), abs(a[2] - b[2]), abs(a[3] - b[3]))
    }

    /// The same for a COCO [x, y, w, h] box against an (x1, y1, x2, y2) one.
    public static func cocoBoxDistance(_ coco: [Double], _ box: [Double]) -> Double {
        max(abs(coco[0] - box[0]), abs(coco[1] - box[1]), abs(coco[0] + coco[2] - box[2]), abs(coco[1] + coco[3] - box[3]))
    }

    /// Intersection over union of two equally long masks (non-zero = inside);
    /// 1 when both are empty.
    public static func maskIoU(_ a: [UInt8], _ b: [UInt8]) -> Double {
        precondition(a.count == b.count, "masks differ in size")
        var inter = 0, union = 0
        for i in a.indices {
            let x = a[i] != 0, y = b[i] != 0
            if x && y { inter += 1 }
            if x || y { union += 1 }
        }
        return union == 0 ? 1 : Double(inter) / Double(union)
    }

    /// Matches each expected item to a distinct candidate, one to one: in the
    /// expected order, the unused candidate with the smallest `distance`
    /// among those `allowed`. Nil for an expected item left without one.
    public static func matchOneToOne<E, C>(_ expected: [E], _ candidates: [C], allowed: (E, C) -> Bool,
                                           distance: (E, C) -> Double) -> [Int?] {
        var used = Set<Int>()
        return expected.map { e in
            let j = candidates.indices.filter { !used.contains($0) && allowed(e, candidates[$0]) }
                .min { distance(e, candidates[$0]) < distance(e, candidates[$1]) }
            if let j { used.insert(j) }
            return j
        }
    }
}

/// Row-major run-length lists as the fixture scripts write them:
/// `[value, count, value, count, …]`.
public enum Runs {
    /// The values, each repeated `count` times.
    public static func expand(_ runs: [Int]) -> [Int32] {
        precondition(runs.count % 2 == 0, "runs come in (value, count) pairs")
        var out: [Int32] = []
        out.reserveCapacity(stride(from: 1, to: runs.count, by: 2).reduce(0) { $0 + runs[$1] })
        for k in stride(from: 0, to: runs.count, by: 2) { out += repeatElement(Int32(runs[k]), count: runs[k + 1]) }
        return out
    }
}
