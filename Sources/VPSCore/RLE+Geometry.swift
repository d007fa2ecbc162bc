/// Geometry of COCO RLE masks, as pycocotools computes it.
extension RLE {
    /// The tight box `[x, y, width, height]` of the foreground in pixels (pycocotools
    /// `toBbox`); `[0, 0, 0, 0]` for an empty mask.
    public var bbox: [Int] {
        let m = counts.count / 2 * 2
        guard m > 0, height > 0 else { return [0, 0, 0, 0] }
        var xs = width, ys = height, xe = 0, ye = 0, cc = 0, xp = 0
        for j in 0..<m {
            cc += Int(counts[j])
            let t = cc - j % 2
            let y = t % height, x = (t - y) / height
            if j % 2 == 0 { xp = x } else if xp < x { ys = 0; ye = height - 1 }
            xs = min(xs, x); xe = max(xe, x); ys = min(ys, y); ye = max(ye, y)
        }
        if xs > xe { return [0, 0, 0, 0] }
        return [xs, ys, xe - xs + 1, ye - ys + 1]
    }

    /// Number of pixels in both masks (the masks must have the same size).
    public func intersectionArea(_ other: RLE) -> Int {
        precondition(height == other.height && width == other.width, "RLE sizes differ")
        var i = 0, j = 0
        var ca = counts.first.map(Int.init) ?? 0, cb = other.counts.first.map(Int.init) ?? 0
        var va = false, vb = false
        var inter = 0
        let total = height * width
        var pos = 0
        while pos < total {
            while ca == 0 && i + 1 < counts.count { i += 1; ca = Int(counts[i]); va.toggle() }
            while cb == 0 && j + 1 < other.counts.count { j += 1; cb = Int(other.counts[j]); vb.toggle() }
            let step = min(ca, cb)
            if step == 0 { break }
            if va && vb { inter += step }
            ca -= step; cb -= step; pos += step
        }
        return inter
    }

    /// Intersection over union with `other` (pycocotools `iou` with iscrowd = 0);
    /// 0 when both masks are empty.
    public func iou(_ other: RLE) -> Double {
        let i = intersectionArea(other)
        let u = area + other.area - i
        return u > 0 ? Double(i) / Double(u) : 0
    }
}
