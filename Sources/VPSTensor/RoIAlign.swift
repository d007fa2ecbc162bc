import Foundation

/// torchvision `roi_align` (CPU kernel semantics, Float32 throughout).
public enum RoIAlign {
    /// Pools one box from a single NHWC or `.blocked8` feature map (batch index `batch`).
    ///
    /// - Parameters:
    ///   - box: (x1, y1, x2, y2) in input-image pixels; multiplied by `spatialScale`.
    ///   - aligned: torchvision's `aligned` flag (Mask R-CNN uses false).
    ///   - out: receives one RoI of a tensor in `layout`: `C × P × P` (`.nchw`),
    ///     `P × P × C` (`.nhwc`) or `⌈C/8⌉ × P × P × 8` (`.blocked8`).
    public static func pool(_ feature: Tensor, batch: Int, box: Box, spatialScale: Float,
                            outputSize P: Int, samplingRatio: Int, aligned: Bool,
                            layout: TensorLayout, into out: UnsafeMutablePointer<Float>) {
        precondition(feature.layout == .nhwc || feature.layout == .blocked8, "RoIAlign reads NHWC or blocked features")
        let H = feature.h, W = feature.w, C = feature.c
        // Channels come in G groups of S, each group stored as an H×W×S image
        // (NHWC: one group of C; blocked: ⌈C/8⌉ groups of 8).
        let blocked = feature.layout == .blocked8
        let S = blocked ? 8 : C, G = blocked ? (C + 7) / 8 : 1
        let CP = G * S
        let offset: Float = aligned ? 0.5 : 0
        let startW = box.x1 * spatialScale - offset
        let startH = box.y1 * spatialScale - offset
        let endW = box.x2 * spatialScale - offset
        let endH = box.y2 * spatialScale - offset
        var roiW = endW - startW, roiH = endH - startH
        if !aligned { roiW = max(roiW, 1); roiH = max(roiH, 1) }
        let binH = roiH / Float(P), binW = roiW / Float(P)
        let gridH = samplingRatio > 0 ? samplingRatio : Int((roiH / Float(P)).rounded(.up))
        let gridW = samplingRatio > 0 ? samplingRatio : Int((roiW / Float(P)).rounded(.up))
        let count = Float(max(gridH * gridW, 1))
        let base = feature.data + batch * H * W * CP
        let plane = H * W * S

        var acc = [Float](repeating: 0, count: CP)
        for ph in 0..<P {
            for pw in 0..<P {
                for c in 0..<CP { acc[c] = 0 }
                for iy in 0..<gridH {
                    let yy = startH + Float(ph) * binH + Float(Float(iy) + 0.5) * binH / Float(gridH)
                    for ix in 0..<gridW {
                        let xx = startW + Float(pw) * binW + Float(Float(ix) + 0.5) * binW / Float(gridW)
                        var y = yy, x = xx
                        if y < -1 || y > Float(H) || x < -1 || x > Float(W) { continue }
                        if y <= 0 { y = 0 }
                        if x <= 0 { x = 0 }
                        var yLow = Int(y), xLow = Int(x)
                        let yHigh: Int, xHigh: Int
                        if yLow >= H - 1 { yLow = H - 1; yHigh = yLow; y = Float(yLow) } else { yHigh = yLow + 1 }
                        if xLow >= W - 1 { xLow = W - 1; xHigh = xLow; x = Float(xLow) } else { xHigh = xLow + 1 }
                        let ly = y - Float(yLow), lx = x - Float(xLow)
                        let hy = 1 - ly, hx = 1 - lx
                        let w1 = hy * hx, w2 = hy * lx, w3 = ly * hx, w4 = ly * lx
                        let o1 = (yLow * W + xLow) * S, o2 = (yLow * W + xHigh) * S
                        let o3 = (yHigh * W + xLow) * S, o4 = (yHigh * W + xHigh) * S
                        acc.withUnsafeMutableBufferPointer { a in
                            for g in 0..<G {
                                let gb = base + g * plane, ab = a.baseAddress! + g * S
                                let p1 = gb + o1, p2 = gb + o2, p3 = gb + o3, p4 = gb + o4
                                for c in 0..<S {
                                    ab[c] += w1 * p1[c] + w2 * p2[c] + w3 * p3[c] + w4 * p4[c]
                                }
                            }
                        }
                    }
                }
                switch layout {
                case .nhwc:
                    let o = out + (ph * P + pw) * C
                    for c in 0..<C { o[c] = acc[c] / count }
                case .blocked8:
                    for c in 0..<C { out[(((c >> 3) * P + ph) * P + pw) * 8 + (c & 7)] = acc[c] / count }
                default:
                    for c in 0..<C { out[(c * P + ph) * P + pw] = acc[c] / count }
                }
            }
        }
    }
}

/// torchvision `MultiScaleRoIAlign`: each box is pooled from one FPN level
/// chosen by its size.
public struct MultiScaleRoIAlign: Sendable {
    public var outputSize: Int
    public var samplingRatio: Int
    /// Canonical level and size of the level mapper (torchvision: 4 and 224).
    public var canonicalLevel: Int = 4
    public var canonicalScale: Float = 224
    public var eps: Float = 1e-6

    public init(outputSize: Int, samplingRatio: Int) {
        self.outputSize = outputSize
        self.samplingRatio = samplingRatio
    }

    /// The scale of a feature map relative to the image: 2^round(log2(feature/image)).
    public static func inferScale(feature: Int, image: Int) -> Float {
        let approx = Float(feature) / Float(image)
        return Float(pow(2.0, Double(log2(approx).rounded())))
    }

    /// The level index (into `features`) for each box:
    /// k = ⌊k0 + log2(√area / s0) + eps⌋ clamped to [kMin, kMax], minus kMin.
    public func levels(for boxes: [Box], kMin: Int, kMax: Int) -> [Int] {
        boxes.map { b in
            let s = ((b.x2 - b.x1) * (b.y2 - b.y1)).squareRoot()
            var k = (Float(canonicalLevel) + log2(s / canonicalScale) + eps).rounded(.down)
            k = min(max(k, Float(kMin)), Float(kMax))
            return Int(k) - kMin
        }
    }

    /// Pools every box (all from batch image 0) from the NHWC `features`
    /// (finest first) of an image of `imageSize` (height, width; the
    /// transformed, unpadded size). Returns `[K, C, P, P]` in `layout`
    /// (`.nchw`, `.nhwc` or `.blocked8`).
    public func callAsFunction(_ features: [Tensor], boxes: [Box], imageSize: (h: Int, w: Int),
                               layout: TensorLayout) -> Tensor {
        precondition(!features.isEmpty, "MultiScaleRoIAlign needs at least one feature map")
        let C = features[0].c, P = outputSize
        let scales = features.map { Self.inferScale(feature: $0.h, image: imageSize.h) }
        let kMin = Int(-log2(scales.first!).rounded()), kMax = Int(-log2(scales.last!).rounded())
        let lv = features.count == 1 ? [Int](repeating: 0, count: boxes.count) : levels(for: boxes, kMin: kMin, kMax: kMax)
        let out = Tensor(shape: [boxes.count, C, P, P], layout: layout)
        let per = out.count / max(boxes.count, 1)
        let dst = out.data
        DispatchQueue.concurrentPerform(iterations: boxes.count) { i in
            RoIAlign.pool(features[lv[i]], batch: 0, box: boxes[i], spatialScale: scales[lv[i]], outputSize: P,
                          samplingRatio: samplingRatio, aligned: false, layout: layout,
                          into: dst + i * per)
        }
        return out
    }
}
