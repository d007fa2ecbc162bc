import Foundation
import VPSCore
import VPSFormats

/// The label set of `vps synth`: three stuff classes and four thing classes.
public enum SynthLabels {
    public static let categories: [Category] = [
        Category(id: 1, name: "sky", isThing: false),
        Category(id: 2, name: "ground", isThing: false),
        Category(id: 3, name: "water", isThing: false),
        Category(id: 4, name: "disc", isThing: true),
        Category(id: 5, name: "box", isThing: true),
        Category(id: 6, name: "triangle", isThing: true),
        Category(id: 7, name: "diamond", isThing: true),
    ]
}

/// One synthetic video: a scene and its exact panoptic ground truth, frame by frame.
///
/// The world is 1.6 frames wide; the camera pans across it. Stuff: sky above a
/// wavy horizon, ground below, and a water pool in part of the ground. Things:
/// textured discs, boxes, triangles and diamonds that move, change scale,
/// enter and leave the frame, occlude each other by depth, and (always) one
/// pair of the same class crosses. Per-pixel noise and a 3×3 blur touch only
/// the image; labels are exact. Panoptic ids are `category·1000 + instance`,
/// instances numbered from 1 per class and kept for the whole video.
/// `difficulty` changes sizes, speeds and counts, and at `hard` adds the
/// degradations of `SynthDifficulty.hard`.
public struct SyntheticScene: Sendable {
    public let width: Int
    public let height: Int
    public let frameCount: Int
    public let seed: UInt64
    public let difficulty: SynthDifficulty

    struct Thing: Sendable {
        var id: Int
        var category: Int
        var x: Double, y: Double       // world position at t = 0 (centre)
        var vx: Double, vy: Double     // pixels per frame
        var size: Double               // half-extent at t = 0
        var growth: Double             // relative size change per frame
        var depth: Double              // larger is nearer
        var start: Int, end: Int       // visible frames [start, end)
        var color: (Double, Double, Double)
        var pattern: Int
        var angle: Double, spin: Double
    }

    let things: [Thing]
    let worldWidth: Double
    let horizon: (base: Double, amp: Double, freq: Double, phase: Double)
    let pool: (x0: Double, x1: Double, top: Double)
    let pan: (amp: Double, period: Double, phase: Double)
    let degradations: Degradations

    public init(width: Int, height: Int, frames: Int, seed: UInt64, difficulty: SynthDifficulty = .normal) {
        self.width = width
        self.height = height
        frameCount = frames
        self.seed = seed
        self.difficulty = difficulty
        var rng = SplitMix64(seed: seed &* 0x2545_F491_4F6C_DD1D &+ 1)
        let W = Double(width), H = Double(height)
        worldWidth = W * 1.6
        horizon = (H * rng.uniform(0.3, 0.45), H * rng.uniform(0.02, 0.07), rng.uniform(1.5, 4) * 2 * .pi / (W * 1.6), rng.uniform(0, 2 * .pi))
        let px0 = rng.uniform(0, W * 0.9)
        pool = (px0, px0 + rng.uniform(W * 0.3, W * 0.6), H * rng.uniform(0.65, 0.8))
        let pan = (amp: W * 0.3, period: Double(max(frames, 2)) * rng.uniform(1.2, 2.5), phase: rng.uniform(0, 2 * .pi))
        self.pan = pan
        var list: [Thing] = []
        var instance = [Int: Int]()
        let T = Double(max(frames, 1))
        let palette: [Int: (Double, Double, Double)] = [4: (220, 60, 50), 5: (240, 200, 40), 6: (60, 90, 220), 7: (170, 70, 200)]
        func make(_ cat: Int, x: Double, y: Double, vx: Double, vy: Double, start: Int, end: Int, depth: Double) -> Thing {
            instance[cat, default: 0] += 1
            let base = palette[cat]!
            let jitter = rng.uniform(-30, 30)
            return Thing(id: cat * 1000 + instance[cat]!, category: cat, x: x, y: y, vx: vx, vy: vy,
                         size: min(W, H) * rng.uniform(difficulty.sizeRange.0, difficulty.sizeRange.1), growth: rng.uniform(-0.4, 0.6) / T,
                         depth: depth, start: start, end: end,
                         color: (max(0, min(255, base.0 + jitter)), max(0, min(255, base.1 - jitter)), base.2),
                         pattern: rng.int(0, 2), angle: rng.uniform(0, 2 * .pi), spin: rng.uniform(-0.05, 0.05))
        }
        // A same-class crossing: two instances moving towards each other on nearly the same line.
        func crossing(y: (Double, Double), depth: Double) {
            let crossCat = rng.int(4, 7)
            let cy = H * rng.uniform(y.0, y.1)
            let meet = T * rng.uniform(0.35, 0.65)
            let speed = W * rng.uniform(0.004, 0.01) * max(1, 60 / T) * difficulty.speedScale
            let cx = W * 0.8 * 0.5 + rng.uniform(-W * 0.1, W * 0.1) + pan.amp * (1 + sin(2 * .pi * meet / pan.period + pan.phase))
            list.append(make(crossCat, x: cx - speed * meet, y: cy, vx: speed, vy: 0, start: 0, end: frames, depth: depth))
            list.append(make(crossCat, x: cx + speed * meet, y: cy - H * 0.03, vx: -speed, vy: 0, start: 0, end: frames, depth: depth + 0.1))
        }
        crossing(y: (0.55, 0.8), depth: 0.5)
        // Others: random paths; some start outside the view (entering), some leave, some appear late.
        let extra = rng.int(difficulty.extraThings.lowerBound, difficulty.extraThings.upperBound)
        for _ in 0..<extra {
            let cat = rng.int(4, 7)
            let start = rng.uniform(0, 1) < 0.3 ? rng.int(0, max(0, frames / 2)) : 0
            let end = rng.uniform(0, 1) < 0.3 ? rng.int(min(frames, start + max(2, frames / 3)), frames) : frames
            let y = H * rng.uniform(0.2, 0.9)
            let fromLeft = rng.uniform(0, 1) < 0.5
            let x = fromLeft ? rng.uniform(-W * 0.2, worldWidth * 0.6) : rng.uniform(worldWidth * 0.4, worldWidth + W * 0.2)
            let v = W * rng.uniform(0.002, 0.012) * max(1, 60 / T) * (fromLeft ? 1 : -1) * difficulty.speedScale
            list.append(make(cat, x: x, y: y, vx: v, vy: rng.uniform(-0.3, 0.3) * difficulty.speedScale, start: start, end: end, depth: rng.uniform(0, 1)))
        }
        for k in 1..<difficulty.crossings {
            crossing(y: k % 2 == 1 ? (0.25, 0.5) : (0.4, 0.9), depth: rng.uniform(0, 0.9))
        }
        things = list.sorted { $0.depth < $1.depth }
        degradations = difficulty == .hard
            ? Degradations(width: width, height: height, frames: frames, worldWidth: worldWidth, seed: seed)
            : .none
    }

    /// Camera x offset into the world at frame t.
    func cameraX(_ t: Int) -> Double {
        pan.amp * (1 + sin(2 * .pi * Double(t) / pan.period + pan.phase))
    }

    /// Renders frame `t`: the noisy, blurred image and its exact panoptic frame.
    public func render(_ t: Int) -> (image: RGBImage, truth: PanopticFrame) {
        let W = width, H = height
        var rgb = [Float](repeating: 0, count: W * H * 3)
        var ids = [Int32](repeating: 0, count: W * H)
        let cam = cameraX(t)
        let s1 = seed &+ 11, s2 = seed &+ 23, s3 = seed &+ 37
        // stuff
        let horizonAt = (0..<W).map { x -> Double in
            horizon.base + horizon.amp * sin((Double(x) + cam) * horizon.freq + horizon.phase)
        }
        let poolTop = (0..<W).map { x -> Double in
            let wx = Double(x) + cam
            return wx >= pool.x0 && wx < pool.x1 ? pool.top + 6 * sin(wx * 0.05) : .infinity
        }
        for y in 0..<H {
            let fy = Double(y)
            for x in 0..<W {
                let wx = Double(x) + cam
                let hz = horizonAt[x]
                let i = y * W + x
                var c: (Double, Double, Double)
                if fy < hz {
                    let n = Noise.value(wx * 0.5 + Double(t) * 0.3, fy, scale: 24, seed: s1)
                    let g = fy / max(hz, 1)
                    c = (90 + 60 * g + 70 * n, 140 + 50 * g + 60 * n, 230 - 20 * g + 25 * n)
                    ids[i] = 1000
                } else if fy >= poolTop[x] {
                    let wave = 0.5 + 0.5 * sin(fy * 0.9 + Double(t) * 0.4 + 3 * Noise.value(wx, fy, scale: 12, seed: s3))
                    c = (20 + 30 * wave, 70 + 50 * wave, 140 + 60 * wave)
                    ids[i] = 3000
                } else {
                    let n = Noise.value(wx, fy, scale: 6, seed: s2)
                    let n2 = Noise.value(wx, fy, scale: 30, seed: s2 &+ 1)
                    c = (80 + 60 * n2 + 40 * n, 110 + 40 * n + 30 * n2, 50 + 30 * n)
                    ids[i] = 2000
                }
                rgb[3 * i] = Float(c.0); rgb[3 * i + 1] = Float(c.1); rgb[3 * i + 2] = Float(c.2)
            }
        }
        // things, far to near
        var segments = [Segment(id: 1000), Segment(id: 2000), Segment(id: 3000)]
        for o in things where t >= o.start && t < o.end {
            let cx = o.x + o.vx * Double(t) - cam, cy = o.y + o.vy * Double(t)
            let r = max(2, o.size * (1 + o.growth * Double(t)))
            let ang = o.angle + o.spin * Double(t)
            let ca = cos(ang), sa = sin(ang)
            let x0 = max(0, Int(cx - r * 1.5)), x1 = min(W - 1, Int(cx + r * 1.5))
            let y0 = max(0, Int(cy - r * 1.5)), y1 = min(H - 1, Int(cy + r * 1.5))
            guard x0 <= x1, y0 <= y1 else { continue }
            var any = false
            for y in y0...y1 {
                for x in x0...x1 {
                    let dx = Double(x) - cx, dy = Double(y) - cy
                    let u = (dx * ca + dy * sa) / r, v = (-dx * sa + dy * ca) / r
                    let inside: Bool
                    switch o.category {
                    case 4: inside = u * u + v * v <= 1
                    case 5: inside = abs(u) <= 0.9 && abs(v) <= 0.7
                    case 6: inside = v <= 0.6 && v >= -1 && abs(u) <= (v + 1) * 0.55
                    default: inside = abs(u) + abs(v) * 0.8 <= 1
                    }
                    guard inside else { continue }
                    let tex: Double
                    switch o.pattern {
                    case 0: tex = 0.5 + 0.5 * sin(u * 9)                                  // stripes
                    case 1: tex = ((Int((u + 2) * 3) + Int((v + 2) * 3)) % 2 == 0) ? 1 : 0.35 // checker
                    default: tex = ((u * 4).truncatingRemainder(dividingBy: 1) - 0.5) * ((u * 4).truncatingRemainder(dividingBy: 1) - 0.5)
                        + ((v * 4).truncatingRemainder(dividingBy: 1) - 0.5) * ((v * 4).truncatingRemainder(dividingBy: 1) - 0.5) < 0.06 ? 0.3 : 1 // dots
                    }
                    let shade = 0.65 + 0.35 * tex
                    let i = y * W + x
                    rgb[3 * i] = Float(o.color.0 * shade); rgb[3 * i + 1] = Float(o.color.1 * shade); rgb[3 * i + 2] = Float(o.color.2 * shade)
                    ids[i] = Int32(o.id)
                    any = true
                }
            }
            if any { segments.append(Segment(id: o.id, trackId: o.id)) }
        }
        let burst = degradations.burst(at: t)
        if difficulty == .hard {
            degrade(&rgb, ids: &ids, t: t, camera: cam, burst: burst)
        }
        // blur (3×3 binomial, separable, replicated border) and noise, image only
        var tmp = [Float](repeating: 0, count: W * H * 3)
        rgb.withUnsafeBufferPointer { src in
            tmp.withUnsafeMutableBufferPointer { dst in
                for y in 0..<H {
                    let row = y * W * 3
                    for x in 0..<W {
                        let l = row + max(x - 1, 0) * 3, c = row + x * 3, r = row + min(x + 1, W - 1) * 3
                        for ch in 0..<3 { dst[c + ch] = src[l + ch] + 2 * src[c + ch] + src[r + ch] }
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: W * H * 3)
        var noise = SplitMix64(seed: seed &* 31 &+ UInt64(t) &* 0x1000_0001)
        let amplitude = burst?.noise ?? difficulty.noiseAmplitude
        tmp.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let stride = W * 3
                for y in 0..<H {
                    let up = max(y - 1, 0) * stride, mid = y * stride, down = min(y + 1, H - 1) * stride
                    var bits: UInt64 = 0
                    for i in 0..<stride {
                        if i % 8 == 0 { bits = noise.next() }
                        let n = Float(bits & 0xff) / 255 * (2 * amplitude) - amplitude
                        bits >>= 8
                        let v = (src[up + i] + 2 * src[mid + i] + src[down + i]) / 16 + n
                        dst[mid + i] = UInt8(max(0, min(255, v)))
                    }
                }
            }
        }
        var frame = PanopticFrame(index: t, width: W, height: H, ids: ids, segments: segments)
        frame.refreshGeometry()
        frame.segments.removeAll { $0.area == 0 }
        return (RGBImage(width: W, height: H, pixels: out), frame)
    }
}

extension SyntheticScene {
    /// `hard`'s degradations of frame `t`, before the 3×3 blur and the noise:
    /// posts in front of everything (void in the labels), the brightness
    /// gain, and a burst's horizontal motion blur.
    func degrade(_ rgb: inout [Float], ids: inout [Int32], t: Int, camera: Double, burst: Degradations.Burst?) {
        let W = width, H = height
        for p in degradations.posts {
            let x0 = max(0, Int((p.x - camera).rounded())), x1 = min(W, Int((p.x - camera + p.width).rounded()))
            guard x0 < x1 else { continue }
            for y in Int(p.top * Double(H))..<H {
                for x in x0..<x1 {
                    let i = y * W + x
                    let shade = 0.8 + 0.2 * Noise.value(Double(x) + camera, Double(y), scale: 3, seed: seed &+ 51)
                    rgb[3 * i] = Float(p.color.0 * shade); rgb[3 * i + 1] = Float(p.color.1 * shade); rgb[3 * i + 2] = Float(p.color.2 * shade)
                    ids[i] = 0
                }
            }
        }
        let gain = Float(degradations.gain(at: t))
        for i in rgb.indices { rgb[i] *= gain }
        guard let blur = burst?.blur, blur > 1 else { return }
        // Box blur of `blur` pixels along x (replicated border), per row and channel.
        let half = blur / 2
        var row = [Float](repeating: 0, count: W)
        for y in 0..<H {
            for ch in 0..<3 {
                for x in 0..<W { row[x] = rgb[3 * (y * W + x) + ch] }
                var sum: Float = 0
                for k in -half...(blur - 1 - half) { sum += row[min(max(k, 0), W - 1)] }
                for x in 0..<W {
                    rgb[3 * (y * W + x) + ch] = sum / Float(blur)
                    sum += row[min(x + blur - half, W - 1)] - row[max(x - half, 0)]
                }
            }
        }
    }
}
