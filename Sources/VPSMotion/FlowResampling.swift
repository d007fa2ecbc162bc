import VPSCore

extension FlowField {
    /// The field resized to `width`×`height` (bilinear, pixel centres aligned as
    /// in OpenCV's INTER_LINEAR), with dx scaled by the width ratio and dy by the
    /// height ratio so that values are in pixels of the new grid.
    public func resampled(width ow: Int, height oh: Int) -> FlowField {
        if ow == width && oh == height { return self }
        let rx = Float(width) / Float(ow), ry = Float(height) / Float(oh)
        let vx = Float(ow) / Float(width), vy = Float(oh) / Float(height)
        var out = [Float](repeating: 0, count: ow * oh * 2)
        data.withUnsafeBufferPointer { src in
            for y in 0..<oh {
                let fy = min(max((Float(y) + 0.5) * ry - 0.5, 0), Float(height - 1))
                let y0 = Int(fy), y1 = min(y0 + 1, height - 1), ay = fy - Float(y0)
                for x in 0..<ow {
                    let fx = min(max((Float(x) + 0.5) * rx - 0.5, 0), Float(width - 1))
                    let x0 = Int(fx), x1 = min(x0 + 1, width - 1), ax = fx - Float(x0)
                    for c in 0..<2 {
                        let v = (1 - ay) * ((1 - ax) * src[(y0 * width + x0) * 2 + c] + ax * src[(y0 * width + x1) * 2 + c])
                            + ay * ((1 - ax) * src[(y1 * width + x0) * 2 + c] + ax * src[(y1 * width + x1) * 2 + c])
                        out[(y * ow + x) * 2 + c] = v * (c == 0 ? vx : vy)
                    }
                }
            }
        }
        return FlowField(width: ow, height: oh, data: out)
    }
}
