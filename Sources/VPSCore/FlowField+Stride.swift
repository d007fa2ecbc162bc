extension FlowField {
    /// The field on the grid of a feature map at `stride`, `width`×`height`
    /// cells: cell (x, y) holds this field sampled bilinearly
    /// (`BackwardWarp.bilinear`) at the cell's centre in this field's pixels,
    /// ((x + 0.5)·stride − 0.5, (y + 0.5)·stride − 0.5), divided by `stride`,
    /// so that values are in cells of that grid. Cells beyond this field (the
    /// padding of a feature map) take the flow at its nearest edge.
    public func atStride(_ stride: Int, width ow: Int, height oh: Int) -> FlowField {
        precondition(stride >= 1, "stride must be at least 1")
        let s = Float(stride)
        var out = [Float](repeating: 0, count: ow * oh * 2)
        data.withUnsafeBufferPointer { f in
            for y in 0..<oh {
                for x in 0..<ow {
                    let t = BackwardWarp.bilinear((Float(x) + 0.5) * s - 0.5, (Float(y) + 0.5) * s - 0.5, width: width, height: height)
                    for c in 0..<2 {
                        out[(y * ow + x) * 2 + c] = t.blend { f[($1 * width + $0) * 2 + c] } / s
                    }
                }
            }
        }
        return FlowField(width: ow, height: oh, data: out)
    }
}
