import VPSCore

extension FlowField {
    /// Mean displacement over the pixels where `include(x, y)` holds (all by default).
    func mean(where include: (Int, Int) -> Bool = { _, _ in true }) -> (dx: Double, dy: Double) {
        var sx = 0.0, sy = 0.0, n = 0
        for y in 0..<height {
            for x in 0..<width where include(x, y) {
                let (dx, dy) = self[x, y]
                sx += Double(dx); sy += Double(dy); n += 1
            }
        }
        return n == 0 ? (0, 0) : (sx / Double(n), sy / Double(n))
    }
}
