import VPSCore

extension RGBImage {
    /// This image with `b`, as tall, to its right.
    public func joined(beside b: RGBImage) -> RGBImage {
        let a = self
        precondition(a.height == b.height)
        let w = a.width + b.width
        var px = [UInt8](repeating: 0, count: w * a.height * 3)
        for y in 0..<a.height {
            px.replaceSubrange((y * w * 3)..<(y * w * 3 + a.rowBytes),
                               with: a.pixels[(y * a.rowBytes)..<((y + 1) * a.rowBytes)])
            px.replaceSubrange((y * w * 3 + a.rowBytes)..<((y + 1) * w * 3),
                               with: b.pixels[(y * b.rowBytes)..<((y + 1) * b.rowBytes)])
        }
        return RGBImage(width: w, height: a.height, pixels: px)
    }
}
