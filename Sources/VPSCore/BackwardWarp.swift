/// The one sampling rule behind every backward warp in vps: the output at
/// pixel p reads the input at p + flow(p).
///
/// With the flow *from* the current frame *to* the previous one (see
/// `FlowField`), this brings the previous frame's content into the current
/// frame's geometry. Sample positions are clamped to the input grid
/// (replicated border), so nothing is invented at the edges and no zeros
/// leak in; a caller that must know whether a sample fell outside its frame
/// asks `contains` with the unclamped position.
///
/// `Warp.warp` (planar tensors), `BinaryMask.warped` (masks) and
/// `Flicker.warpNearest` (id maps), and `FeatureWarp` (engine tensors) all
/// sample through this type.
public enum BackwardWarp {
    /// The four grid points a bilinear sample reads, and their weights:
    /// `00` is (x0, y0), `01` (x1, y0), `10` (x0, y1) and `11` (x1, y1).
    public struct Taps: Sendable {
        public var x0: Int, y0: Int, x1: Int, y1: Int
        public var w00: Float, w01: Float, w10: Float, w11: Float

        @inlinable
        public init(x0: Int, y0: Int, x1: Int, y1: Int, w00: Float, w01: Float, w10: Float, w11: Float) {
            (self.x0, self.y0, self.x1, self.y1) = (x0, y0, x1, y1)
            (self.w00, self.w01, self.w10, self.w11) = (w00, w01, w10, w11)
        }

        /// The weighted sum of the four values `value(x, y)` returns, in
        /// the order 00, 01, 10, 11.
        @inlinable @inline(__always)
        public func blend(_ value: (_ x: Int, _ y: Int) -> Float) -> Float {
            w00 * value(x0, y0) + w01 * value(x1, y0) + w10 * value(x0, y1) + w11 * value(x1, y1)
        }
    }

    /// Bilinear taps at (`sx`, `sy`) on a `width`×`height` grid, the
    /// position clamped to [0, width−1]×[0, height−1] first.
    @inlinable @inline(__always)
    public static func bilinear(_ sx: Float, _ sy: Float, width: Int, height: Int) -> Taps {
        let cx = min(max(sx, 0), Float(width - 1)), cy = min(max(sy, 0), Float(height - 1))
        let x0 = Int(cx), y0 = Int(cy)
        let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
        let ax = cx - Float(x0), ay = cy - Float(y0)
        return Taps(x0: x0, y0: y0, x1: x1, y1: y1, w00: (1 - ax) * (1 - ay), w01: ax * (1 - ay), w10: (1 - ax) * ay, w11: ax * ay)
    }

    /// The grid point nearest to (`sx`, `sy`) (rounded half away from zero),
    /// clamped to a `width`×`height` grid.
    @inlinable @inline(__always)
    public static func nearest(_ sx: Float, _ sy: Float, width: Int, height: Int) -> (x: Int, y: Int) {
        (min(max(Int(sx.rounded()), 0), width - 1), min(max(Int(sy.rounded()), 0), height - 1))
    }

    /// Calls `body(x, y, sx, sy)` for each pixel of `flow`'s grid with the
    /// nearest grid point to p + flow(p).
    @inlinable
    public static func forEachNearest(_ flow: FlowField, _ body: (_ x: Int, _ y: Int, _ sx: Int, _ sy: Int) -> Void) {
        let w = flow.width, h = flow.height
        flow.data.withUnsafeBufferPointer { f in
            for y in 0..<h {
                for x in 0..<w {
                    let i = y * w + x
                    let s = nearest(Float(x) + f[2 * i], Float(y) + f[2 * i + 1], width: w, height: h)
                    body(x, y, s.x, s.y)
                }
            }
        }
    }

    /// Whether (`sx`, `sy`) lies in [`x0`, `x1`]×[`y0`, `y1`], bounds included:
    /// the out-of-frame rule for warps that mark such samples invalid.
    @inlinable @inline(__always)
    public static func contains(_ sx: Float, _ sy: Float, x0: Float, y0: Float, x1: Float, y1: Float) -> Bool {
        sx >= x0 && sx <= x1 && sy >= y0 && sy <= y1
    }

    /// Calls `body(x, y, taps)` for each pixel of `xs`×`ys` of `flow`'s grid,
    /// with the bilinear taps of p + flow(p) on a grid of the flow's size.
    @inlinable
    public static func forEachBilinear(_ flow: FlowField, xs: Range<Int>, ys: Range<Int>,
                                       _ body: (_ x: Int, _ y: Int, _ taps: Taps) -> Void) {
        let w = flow.width, h = flow.height
        flow.data.withUnsafeBufferPointer { f in
            for y in ys {
                for x in xs {
                    let i = y * w + x
                    body(x, y, bilinear(Float(x) + f[2 * i], Float(y) + f[2 * i + 1], width: w, height: h))
                }
            }
        }
    }
}
