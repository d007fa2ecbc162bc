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
    @inlinable
    public static func color(dx: Float, dy: Float, maxMagnitude: Float) -> (UInt8, UInt8, UInt8) {
        let eps: Float = 1e-5
        let u = dx / (maxMagnitude + eps), v = dy / (maxMagnitude + eps)
        let rad = (u * u + v * v).squareRoot()
        let a = atan2f(-v, -u) / Float.pi
        let n = wheel.count
        let fk = (a + 1) / 2 * Float(n - 1)
        let k0 = min(max(Int(fk), 0), n - 1)
        let k1 = k0 + 1 == n ? 0 : k0 + 1
        let f = fk - Float(k0)
        let c0 = wheel[k0], c1 = wheel[k1]
        func channel(_ a: Float, _ b: Float) -> UInt8 {
            var col = ((1 - f) * a + f * b) / 255
            col = rad <= 1 ? 1 - rad * (1 - col) : col * 0.75
            return UInt8(min(max((255 * col).rounded(.down), 0), 255))
        }
        return (channel(c0.0, c1.0), channel(c0.1, c1.1), channel(c0.2, c1.2))
    }

    /// Colours a whole field. `maxMagnitude` nil normalises by the field's own
    /// largest displacement (as flow_vis does); a fixed value keeps colours
    /// comparable across frames. `negate` colours −flow (use it to show the
    /// direction of motion for a field computed from frame t to frame t−1).
    public static func image(_ flow: FlowField, maxMagnitude: Float? = nil, negate: Bool = false) -> RGBImage {
        let m = max(maxMagnitude ?? flow.maxMagnitude, 1e-3)
        let s: Float = negate ? -1 : 1
        var px = [UInt8](repeating: 0, count: flow.width * flow.height * 3)
        flow.data.withUnsafeBufferPointer { f in
            px.withUnsafeMutableBufferPointer { out in
                for i in 0..<(flow.width * flow.height) {
                    let c = color(dx: s * f[2 * i], dy: s * f[2 * i + 1], maxMagnitude: m)
                    out[3 * i] = c.0; out[3 * i + 1] = c.1; out[3 * i + 2] = c.2
                }
            }
        }
        return RGBImage(width: flow.width, height: flow.height, pixels: px)
    }
}
