import Foundation

/// torchvision `roi_align` (CPU kernel semantics, Float32 throughout).
///
/// The sums are torchvision's: per output bin, the bilinear samples are
/// visited in (iy, ix) order, each adds `w1·v1 + w2·v2 + w3·v3 + w4·v4`
/// (evaluated left to right) to the bin's accumulator, and the bin is divided
/// by the sample count at the end. Only the loop structure differs: the
/// sample positions and weights are computed once per RoI (as torchvision's
/// `pre_calc`), and the channel loop runs 8 channels at a time
/// (`SIMD8<Float>`, one `.blocked8` block), so every channel's arithmetic is
/// the same scalar sequence as before.
public enum RoIAlign {
    /// One axis of the sampling grid: for sample i of bin p (index p·grid + i),
    /// the clamped low/high neighbour and the interpolation weights
    /// l = v − low and h = 1 − l; `valid` is false when the sample lies beyond
    /// the map (coordinate < −1 or > size), where torchvision's weights are 0.
    struct AxisTap { var low: Int, high: Int, l: Float, h: Float, valid: Bool }

    /// torchvision's `pre_calc` for one RoI, kept separable: the y and x taps
    /// of every sample (the 2-D weights are the products hy·hx, hy·lx, ly·hx,
    /// ly·lx, formed when used, exactly as torchvision forms them).
    struct Plan {
        var ys: [AxisTap], xs: [AxisTap]
        var gridH: Int, gridW: Int
        /// The divisor of every bin (sampling grid size, at least 1).
        var count: Float

        init(box: Box, spatialScale: Float, outputSize P: Int, samplingRatio: Int, aligned: Bool,
             height H: Int, width W: Int) {
            let offset: Float = aligned ? 0.5 : 0
            let startW = box.x1 * spatialScale - offset
            let startH = box.y1 * spatialScale - offset
            let endW = box.x2 * spatialScale - offset
            let endH = box.y2 * spatialScale - offset
            var roiW = endW - startW, roiH = endH - startH
            if !aligned { roiW = max(roiW, 1); roiH = max(roiH, 1) }
            let binH = roiH / Float(P), binW = roiW / Float(P)
            gridH = samplingRatio > 0 ? samplingRatio : Int((roiH / Float(P)).rounded(.up))
            gridW = samplingRatio > 0 ? samplingRatio : Int((roiW / Float(P)).rounded(.up))
            count = Float(max(gridH * gridW, 1))
            ys = Self.taps(start: startH, bin: binH, grid: gridH, bins: P, size: H)
            xs = Self.taps(start: startW, bin: binW, grid: gridW, bins: P, size: W)
        }

        static func taps(start: Float, bin: Float, grid: Int, bins P: Int, size: Int) -> [AxisTap] {
            var taps: [AxisTap] = []
            taps.reserveCapacity(P * grid)
            for p in 0..<P {
                for i in 0..<grid {
                    // Same expression as torchvision: start + p·bin + (i + .5)·bin / grid.
                    var v = start + Float(p) * bin + Float(Float(i) + 0.5) * bin / Float(grid)
                    if v < -1 || v > Float(size) { taps.append(AxisTap(low: 0, high: 0, l: 0, h: 0, valid: false)); continue }
                    if v <= 0 { v = 0 }
                    var low = Int(v)
                    let high: Int
                    if low >= size - 1 { low = size - 1; high = low; v = Float(low) } else { high = low + 1 }
                    let l = v - Float(low)
                    taps.append(AxisTap(low: low, high: high, l: l, h: 1 - l, valid: true))
                }
            }
            return taps
        }
    }

    /// Pools one box from a single NHWC or `.blocked8` feature map (batch index `batch`).
    ///
    /// - Parameters:
    ///   - box: (x1, y1, x2, y2) in input-image pixels; multiplied by `spatialScale`.
    ///   - aligned: torchvision's `aligned` flag (Mask R-CNN uses false).
    ///   - out: receives one RoI of a tensor in `layout`: `C × P × P` (`.nchw`,
    ///     and `.matrix`, meaning one row of torch's flattened `C·P·P`),
    ///     `P × P × C` (`.nhwc`) or `⌈C/8⌉ × P × P × 8` (`.blocked8`).
    public static func pool(_ feature: Tensor, batch: Int, box: Box, spatialScale: Float,
                            outputSize P: Int, samplingRatio: Int, aligned: Bool,
                            layout: TensorLayout, into out: UnsafeMutablePointer<Float>) {
        precondition(feature.layout == .nhwc || feature.layout == .blocked8, "RoIAlign reads NHWC or blocked features")
        let plan = Plan(box: box, spatialScale: spatialScale, outputSize: P, samplingRatio: samplingRatio,
                        aligned: aligned, height: feature.h, width: feature.w)
        for g in 0..<(feature.c + 7) / 8 {
            pool(feature, batch: batch, plan: plan, chunk: g, outputSize: P, layout: layout, into: out)
        }
    }

    /// Pools channels 8g…8g+7 (chunk g) of one RoI.
    ///
    /// Channels come in chunks of 8. Blocked: chunk g is the H×W×8 image g
    /// (padding channels are zeros). NHWC: chunk g starts at channel 8g of
    /// each position, and the last chunk may be partial.
    static func pool(_ feature: Tensor, batch: Int, plan: Plan, chunk g: Int, outputSize P: Int,
                     layout: TensorLayout, into out: UnsafeMutablePointer<Float>) {
        let H = feature.h, W = feature.w, C = feature.c
        let blocked = feature.layout == .blocked8
        let stride = blocked ? 8 : C
        let chunks = (C + 7) / 8
        let base = feature.data + batch * H * W * (blocked ? chunks * 8 : C)
        let src = blocked ? base + g * H * W * 8 : base + g * 8
        let lanes = min(8, C - 8 * g)
        let (gh, gw) = (plan.gridH, plan.gridW)
        let divisor = SIMD8<Float>(repeating: plan.count)
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: P * P) { acc in
            plan.ys.withUnsafeBufferPointer { ys in
                plan.xs.withUnsafeBufferPointer { xs in
                    for ph in 0..<P {
                        for pw in 0..<P {
                            var a = SIMD8<Float>()
                            for iy in 0..<gh {
                                let ty = ys[ph * gh + iy]
                                if !ty.valid { continue }
                                let rowLow = src + ty.low * W * stride, rowHigh = src + ty.high * W * stride
                                for ix in 0..<gw {
                                    let tx = xs[pw * gw + ix]
                                    if !tx.valid { continue }
                                    let w1 = ty.h * tx.h, w2 = ty.h * tx.l, w3 = ty.l * tx.h, w4 = ty.l * tx.l
                                    let v1 = load(rowLow + tx.low * stride, lanes), v2 = load(rowLow + tx.high * stride, lanes)
                                    let v3 = load(rowHigh + tx.low * stride, lanes), v4 = load(rowHigh + tx.high * stride, lanes)
                                    a += w1 * v1 + w2 * v2 + w3 * v3 + w4 * v4
                                }
                            }
                            acc[ph * P + pw] = a / divisor
                        }
                    }
                }
            }
            store(acc, chunk: g, lanes: lanes, channels: C, bins: P * P, layout: layout, into: out)
        }
    }
    /// Eight channels at `p`; a partial chunk (NHWC only) reads `lanes` and zero-fills the rest.
    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>, _ lanes: Int) -> SIMD8<Float> {
        if lanes == 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
        var v = SIMD8<Float>()
        for i in 0..<lanes { v[i] = p[i] }
        return v
    }

    /// Writes the finished bins of channel chunk `g` into one RoI of `out`.
    static func store(_ acc: UnsafeMutableBufferPointer<SIMD8<Float>>, chunk g: Int, lanes: Int, channels C: Int,
                      bins: Int, layout: TensorLayout, into out: UnsafeMutablePointer<Float>) {
        let flat = UnsafeRawPointer(acc.baseAddress!).assumingMemoryBound(to: Float.self)
        switch layout {
        case .blocked8:
            UnsafeMutableRawPointer(out + g * bins * 8).copyMemory(from: flat, byteCount: bins * 8 * 4)
        case .nhwc:
            for b in 0..<bins { (out + b * C + 8 * g).update(from: flat + b * 8, count: lanes) }
        case .nchw, .matrix:
            for l in 0..<lanes {
                let o = out + (8 * g + l) * bins
                for b in 0..<bins { o[b] = flat[b * 8 + l] }
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
    /// Add `eps` inside the log2 (Detectron2's `assign_boxes_to_levels`)
    /// rather than after it (torchvision's `LevelMapper`).
    public var epsInsideLog = false
    /// RoIAlign's `aligned` flag (Detectron2's ROIAlignV2: true).
    public var aligned = false

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
    /// k = ⌊k0 + log2(√area / s0) + eps⌋ (or ⌊k0 + log2(√area / s0 + eps)⌋
    /// with `epsInsideLog`) clamped to [kMin, kMax], minus kMin.
    public func levels(for boxes: [Box], kMin: Int, kMax: Int) -> [Int] {
        boxes.map { b in
            let s = ((b.x2 - b.x1) * (b.y2 - b.y1)).squareRoot()
            var k = epsInsideLog ? (Float(canonicalLevel) + log2(s / canonicalScale + eps)).rounded(.down)
                                 : (Float(canonicalLevel) + log2(s / canonicalScale) + eps).rounded(.down)
            k = min(max(k, Float(kMin)), Float(kMax))
            return Int(k) - kMin
        }
    }

    /// Pools every box (all from batch image 0) from the NHWC or `.blocked8`
    /// `features` (finest first) of an image of `imageSize` (height, width;
    /// the transformed, unpadded size), in parallel over boxes.
    ///
    /// Returns `[K, C, P, P]` in `layout` (`.nchw`, `.nhwc` or `.blocked8`),
    /// or with `.matrix` the `[K, C·P·P]` matrix of torch's
    /// `pooled.flatten(1)` (channel-major rows), ready for a fully connected layer.
    public func callAsFunction(_ features: [Tensor], boxes: [Box], imageSize: (h: Int, w: Int),
                               layout: TensorLayout) -> Tensor {
        precondition(!features.isEmpty, "MultiScaleRoIAlign needs at least one feature map")
        let C = features[0].c, P = outputSize
        let scales = features.map { Self.inferScale(feature: $0.h, image: imageSize.h) }
        let kMin = Int(-log2(scales.first!).rounded()), kMax = Int(-log2(scales.last!).rounded())
        let lv = features.count == 1 ? [Int](repeating: 0, count: boxes.count) : levels(for: boxes, kMin: kMin, kMax: kMax)
        let out = layout == .matrix ? Tensor(shape: [boxes.count, C * P * P], layout: .matrix, zeroed: false)
                                    : Tensor(shape: [boxes.count, C, P, P], layout: layout, zeroed: false)
        if boxes.isEmpty { return out }
        let per = out.count / boxes.count
        let dst = out.data
        let plans = boxes.indices.map { i in
            RoIAlign.Plan(box: boxes[i], spatialScale: scales[lv[i]], outputSize: P, samplingRatio: samplingRatio,
                          aligned: aligned, height: features[lv[i]].h, width: features[lv[i]].w)
        }
        // Channel chunk outermost: while one chunk of every box is pooled, only
        // that chunk's planes of the levels (~2 MB for P2…P5 at 800×1088) are
        // read, so the many overlapping proposals hit the cache.
        DispatchQueue.concurrentPerform(iterations: (C + 7) / 8) { g in
            for i in boxes.indices {
                RoIAlign.pool(features[lv[i]], batch: 0, plan: plans[i], chunk: g, outputSize: P,
                              layout: layout, into: dst + i * per)
            }
        }
        return out
    }
}
