/// A dense motion field: one (dx, dy) displacement in pixels per pixel.
///
/// Layout: HWC with 2 channels, `data[(y * width + x) * 2 + 0]` = dx and
/// `+ 1` = dy, in pixels of this field's own grid (a field computed at half
/// resolution holds half-resolution pixels). Convention, as OpenCV's:
/// a field computed `from` image A `to` image B satisfies
/// A(x, y) ≈ B(x + dx, y + dy).
public struct FlowField: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var data: [Float]

    public init(width: Int, height: Int, data: [Float]) {
        precondition(data.count == width * height * 2, "flow data does not match \(width)x\(height)x2")
        self.width = width
        self.height = height
        self.data = data
    }

    /// A field with the same displacement everywhere.
    public init(width: Int, height: Int, constant: (dx: Float, dy: Float) = (0, 0)) {
        var d = [Float](repeating: 0, count: width * height * 2)
        if constant != (0, 0) {
            for i in stride(from: 0, to: d.count, by: 2) { d[i] = constant.dx; d[i + 1] = constant.dy }
        }
        self.init(width: width, height: height, data: d)
    }

    /// The displacement at (x, y).
    @inlinable
    public subscript(x: Int, y: Int) -> (dx: Float, dy: Float) {
        get {
            let i = (y * width + x) * 2
            return (data[i], data[i + 1])
        }
        set {
            let i = (y * width + x) * 2
            data[i] = newValue.dx; data[i + 1] = newValue.dy
        }
    }

    /// The largest displacement magnitude in pixels.
    public var maxMagnitude: Float {
        var m: Float = 0
        for i in stride(from: 0, to: data.count, by: 2) {
            let v = data[i] * data[i] + data[i + 1] * data[i + 1]
            if v > m { m = v }
        }
        return m.squareRoot()
    }
}
