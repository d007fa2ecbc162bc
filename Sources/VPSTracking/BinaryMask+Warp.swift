import VPSCore

extension BinaryMask {
    /// Brings a mask of frame t−1 into frame t with the motion map of frame t.
    ///
    /// Same sampling (`BackwardWarp`) as `Warp.warp` on the mask as a 1×H×W
    /// tensor (backward bilinear warp, positions clamped to the frame, i.e.
    /// replicated border),
    /// then thresholded: a pixel is in the result when the interpolated value
    /// is ≥ 0.5. Only the crop grown by `margin` pixels is visited; `margin`
    /// must be at least `ceil(flow.maxMagnitude)` (use `warpMargin(of:)`,
    /// computed once per frame), which makes the result identical to warping
    /// the whole frame: clamping a sample point to the frame never moves it
    /// further from the pixel than the displacement itself.
    ///
    /// - Parameter flow: frame t → t−1 displacement (`FlowField`), of the mask's frame size.
    public func warped(by flow: FlowField, margin: Int) throws -> BinaryMask {
        guard flow.width == frameWidth, flow.height == frameHeight else {
            throw VPSError.internalFailure("flow is \(flow.width)x\(flow.height) but the mask's frame is \(frameWidth)x\(frameHeight)")
        }
        guard area > 0 else { return self }
        let m = margin + 1
        let rx0 = max(0, x0 - m), ry0 = max(0, y0 - m)
        let rx1 = min(frameWidth, x0 + width + m), ry1 = min(frameHeight, y0 + height + m)
        let rw = rx1 - rx0, rh = ry1 - ry0
        var out = [UInt8](repeating: 0, count: rw * rh)
        let W = frameWidth, H = frameHeight
        @inline(__always) func at(_ x: Int, _ y: Int) -> Float {
            let cx = x - x0, cy = y - y0
            return cx >= 0 && cy >= 0 && cx < width && cy < height ? Float(bits[cy * width + cx]) : 0
        }
        BackwardWarp.forEachBilinear(flow, xs: rx0..<rx1, ys: ry0..<ry1) { x, y, taps in
            if taps.blend(at) >= 0.5 { out[(y - ry0) * rw + (x - rx0)] = 1 }
        }
        return BinaryMask(frameWidth: W, frameHeight: H, x0: rx0, y0: ry0, width: rw, height: rh, bits: out)
    }

    /// The margin `warped(by:margin:)` needs for `flow`: its largest displacement, rounded up.
    public static func warpMargin(of flow: FlowField) -> Int { Int(flow.maxMagnitude.rounded(.up)) }
}
