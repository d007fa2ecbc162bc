import Foundation
import VPSCore
import VPSTracking

/// Hand-made scenes for the unit tests: axis-aligned squares on a small frame.
struct Square {
    var category: Int
    var x: Int, y: Int, size: Int
    var embedding: [Float]
    var score = 0.9
}

enum Scene {
    static let width = 96, height = 48

    static func mask(_ s: Square) -> BinaryMask {
        .rectangle(frameWidth: width, frameHeight: height, x0: s.x, y0: s.y, x1: s.x + s.size, y1: s.y + s.size)
    }

    /// Detections of the squares listed in front-to-back order: each keeps
    /// only its pixels not covered by a square before it, and one with fewer
    /// than `minArea` visible pixels is not detected.
    static func detections(_ frontToBack: [Square], minArea: Int = 8) -> [Instance] {
        var covered = [UInt8](repeating: 0, count: width * height)
        var out: [Instance] = []
        for s in frontToBack {
            var bits = [UInt8](repeating: 0, count: width * height)
            for y in max(0, s.y)..<min(height, s.y + s.size) {
                for x in max(0, s.x)..<min(width, s.x + s.size) where covered[y * width + x] == 0 {
                    bits[y * width + x] = 1
                    covered[y * width + x] = 1
                }
            }
            let m = BinaryMask(rowMajor: bits, frameWidth: width, frameHeight: height)
            if m.area >= minArea { out.append(Instance(category: s.category, score: s.score, mask: m, embedding: s.embedding)) }
        }
        return out
    }

    /// The motion map (frame t → t−1) of squares that moved by `velocity`
    /// since the previous frame: each pixel of a square (the front one where
    /// they overlap) points back by its velocity; the rest is still.
    static func flow(_ frontToBack: [(Square, (Int, Int))]) -> FlowField {
        var f = FlowField(width: width, height: height)
        var set = [Bool](repeating: false, count: width * height)
        for (s, v) in frontToBack {
            for y in max(0, s.y)..<min(height, s.y + s.size) {
                for x in max(0, s.x)..<min(width, s.x + s.size) where !set[y * width + x] {
                    f[x, y] = (Float(-v.0), Float(-v.1))
                    set[y * width + x] = true
                }
            }
        }
        return f
    }

    /// A unit vector mixing two basis directions: cos(angle)·e_a + sin(angle)·e_b in 8 dimensions.
    static func embedding(_ a: Int, _ b: Int = 0, angle: Float = 0) -> [Float] {
        var e = [Float](repeating: 0, count: 8)
        e[a] += cos(angle)
        e[b] += sin(angle)
        return e
    }
}

/// Track IDs keyed by detection index, for one frame's answer.
func ids(_ r: [TrackedDetection]) -> [Int?] { r.map(\.trackId) }
