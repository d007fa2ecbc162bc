import Foundation
import VPSCore

/// Colour coding of motion fields with the Middlebury colour wheel
/// (Baker et al., "A Database and Evaluation Methodology for Optical Flow",
/// as implemented by the reference `flow_vis`): hue gives the direction,
/// saturation the magnitude relative to `maxMagnitude`; white is no motion.
/// Rightward motion is red, downward is yellow-green, leftward cyan, upward blue-violet.
public enum FlowColor {
    /// The 55-entry wheel (RY 15, YG 6, GC 4, CB 11, BM 13, MR 6), RGB in 0…255.
    public static let wheel: [(Float, Float, Float)] = {
        var w: [(Float, Float, Float)] = []
        let (ry, yg, gc, cb, bm, mr) = (15, 6, 4, 11, 13, 6)
        func f(_ i: Int, _ n: Int) -> Float { (255 * Float(i) / Float(n)).rounded(.down) }
        for i in 0..<ry { w.append((255, f(i, ry), 0)) }
        for i in 0..<yg { w.append((255 - f(i, yg), 255, 0)) }
        for i in 0..<gc { w.append((0, 255, f(i, gc))) }
        for i in 0..<cb { w.append((0, 255 - f(i, cb), 255)) }
        for i in 0..<bm { w.append((f(i, bm), 0, 255)) }
        for i in 0..<mr { w.append((255, 0, 255 - f(i, mr))) }
        return w
    }()

    /// The colour of one displacement, with magnitudes normalised by `maxMagnitude`.
    public static func color(dx: Float, dy: Float, maxMagnitude: Float) -> (UInt8, UInt8, UInt8) {
        var out: [UInt8] = [0, 0, 0]
        paint([dx, dy], count: 1, maxMagnitude: maxMagnitude, sign: 1, into: &out)
        return (out[0], out[1], out[2])
    }

    /// Colours a whole field. `maxMagnitude` nil normalises by the field's own
    /// largest displacement (as flow_vis does); a fixed value keeps colours
    /// comparable across frames. `negate` colours −flow (use it to show the
    /// direction of motion for a field computed from frame t to frame t−1).
    public static func image(_ flow: FlowField, maxMagnitude: Float? = nil, negate: Bool = false) -> RGBImage {
        let m = max(maxMagnitude ?? flow.maxMagnitude, 1e-3)
        var px = [UInt8](repeating: 0, count: flow.width * flow.height * 3)
        paint(flow.data, count: flow.width * flow.height, maxMagnitude: m, sign: negate ? -1 : 1, into: &px)
        return RGBImage(width: flow.width, height: flow.height, pixels: px)
    }

    /// atan2 by a degree-11 minimax polynomial (max error about 1e-5 rad,
    /// i.e. under 1e-4 of a wheel entry): 3–4× cheaper than `atan2f`, and
    /// rendering is per pixel.
    @inline(__always)
    static func fastAtan2(_ y: Float, _ x: Float) -> Float {
        let ax = abs(x), ay = abs(y)
        let mx = max(ax, ay), mn = min(ax, ay)
        let a = mx == 0 ? 0 : mn / mx
        let s = a * a
        var r: Float = -0.0117212
        r = r * s + 0.05265332
        r = r * s - 0.11643287
        r = r * s + 0.19354346
        r = r * s - 0.33262347
        r = r * s + 0.99997726
        r *= a
        if ay > ax { r = Float.pi / 2 - r }
        if x < 0 { r = Float.pi - r }
        if y.sign == .minus { r = -r }  // as atan2 does for -0.0
        return r
    }

    /// The wheel as a flat RGB table in 0…1, for the inner loop.
    private static let table: [Float] = wheel.flatMap { [$0.0 / 255, $0.1 / 255, $0.2 / 255] }

    /// flow_vis's `flow_uv_to_colors` over `count` (dx, dy) pairs into RGB bytes.
    /// Large fields are split into bands coloured concurrently.
    private static func paint(_ flow: [Float], count: Int, maxMagnitude: Float, sign: Float, into out: inout [UInt8]) {
        let scale = sign / (maxMagnitude + 1e-5)
        let bands = count >= 1 << 16 ? 4 : 1
        let per = (count + bands - 1) / bands
        table.withUnsafeBufferPointer { wt in
            flow.withUnsafeBufferPointer { f in
                out.withUnsafeMutableBufferPointer { o in
                    DispatchQueue.concurrentPerform(iterations: bands) { b in
                        paintRange(b * per..<min(count, (b + 1) * per), f, wt, scale, o)
                    }
                }
            }
        }
    }

    private static func paintRange(_ range: Range<Int>, _ f: UnsafeBufferPointer<Float>, _ wt: UnsafeBufferPointer<Float>,
                                   _ scale: Float, _ o: UnsafeMutableBufferPointer<UInt8>) {
        let n = wheel.count
        for i in range {
            let u = f[2 * i] * scale, v = f[2 * i + 1] * scale
            let rad = (u * u + v * v).squareRoot()
            let a = fastAtan2(-v, -u) / Float.pi
            let fk = (a + 1) / 2 * Float(n - 1)
            let k0 = min(max(Int(fk), 0), n - 1)
            let k1 = k0 + 1 == n ? 0 : k0 + 1
            let t = fk - Float(k0)
            for c in 0..<3 {
                var col = (1 - t) * wt[3 * k0 + c] + t * wt[3 * k1 + c]
                col = rad <= 1 ? 1 - rad * (1 - col) : col * 0.75
                o[3 * i + c] = UInt8(min(max((255 * col).rounded(.down), 0), 255))
            }
        }
    }
}
