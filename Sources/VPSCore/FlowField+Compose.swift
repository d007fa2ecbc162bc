extension FlowField {
    /// The motion from this field's frame to an earlier one, through the
    /// frame in between: `self` maps frame t → t−1 and `earlier` maps
    /// t−1 → k (same size), so the result maps t → k:
    /// c(p) = self(p) + earlier(p + self(p)), `earlier` sampled bilinearly
    /// (`BackwardWarp.bilinear`, the position clamped to the grid).
    public func composed(with earlier: FlowField) -> FlowField {
        precondition(earlier.width == width && earlier.height == height, "composed flows differ in size")
        var out = data
        earlier.data.withUnsafeBufferPointer { e in
            for y in 0..<height {
                for x in 0..<width {
                    let i = (y * width + x) * 2
                    let t = BackwardWarp.bilinear(Float(x) + data[i], Float(y) + data[i + 1], width: width, height: height)
                    out[i] += t.blend { e[($1 * width + $0) * 2] }
                    out[i + 1] += t.blend { e[($1 * width + $0) * 2 + 1] }
                }
            }
        }
        return FlowField(width: width, height: height, data: out)
    }

    /// The mean length of the displacements, in pixels of this field.
    public var meanMagnitude: Double {
        var sum = 0.0
        for i in stride(from: 0, to: data.count, by: 2) {
            sum += Double((data[i] * data[i] + data[i + 1] * data[i + 1]).squareRoot())
        }
        return sum / Double(max(1, width * height))
    }

    /// The share of pixels whose displacement leads outside the field's
    /// frame (the pixel centres [0, width − 1]×[0, height − 1]).
    public var outsideShare: Double {
        var n = 0
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 2
                let sx = Float(x) + data[i], sy = Float(y) + data[i + 1]
                if !BackwardWarp.contains(sx, sy, x0: 0, y0: 0, x1: Float(width - 1), y1: Float(height - 1)) { n += 1 }
            }
        }
        return Double(n) / Double(max(1, width * height))
    }
}
