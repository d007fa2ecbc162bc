/// An axis-aligned box in pixels, origin top-left, (x1, y1) the top-left and
/// (x2, y2) the bottom-right corner in continuous coordinates (pixel (x, y)
/// covers [x, x + 1) × [y, y + 1)). Area = (x2 − x1)(y2 − y1), as torchvision's
/// `box_iou` computes it (no +1).
public struct Box: Equatable, Hashable, Sendable, Codable {
    public var x1: Double
    public var y1: Double
    public var x2: Double
    public var y2: Double

    public init(x1: Double, y1: Double, x2: Double, y2: Double) {
        self.x1 = x1; self.y1 = y1; self.x2 = x2; self.y2 = y2
    }

    public var width: Double { max(0, x2 - x1) }
    public var height: Double { max(0, y2 - y1) }
    public var area: Double { width * height }
    public var center: (x: Double, y: Double) { ((x1 + x2) / 2, (y1 + y2) / 2) }

    /// Intersection over union; 0 when the union is empty.
    public func iou(_ o: Box) -> Double {
        let iw = max(0, min(x2, o.x2) - max(x1, o.x1)), ih = max(0, min(y2, o.y2) - max(y1, o.y1))
        let inter = iw * ih
        let union = area + o.area - inter
        return union > 0 ? inter / union : 0
    }

    /// The box moved by (dx, dy) pixels.
    public func offsetBy(dx: Double, dy: Double) -> Box { Box(x1: x1 + dx, y1: y1 + dy, x2: x2 + dx, y2: y2 + dy) }
}
