import Foundation
import VPSTensor
import TestSupport

/// Straightforward reference implementations, NCHW, Double accumulation.
enum Naive {
    static func conv(_ x: [Float], n: Int, c: Int, h: Int, w: Int, weight: [Float], bias: [Float], o: Int,
                     k: Int, stride: Int, pad: Int, dil: Int) -> (out: [Float], oh: Int, ow: Int) {
        let ek = dil * (k - 1) + 1
        let oh = (h + 2 * pad - ek) / stride + 1, ow = (w + 2 * pad - ek) / stride + 1
        var out = [Float](repeating: 0, count: n * o * oh * ow)
        for b in 0..<n { for oc in 0..<o { for y in 0..<oh { for xx in 0..<ow {
            var s = Double(bias[oc])
            for ic in 0..<c { for ky in 0..<k { for kx in 0..<k {
                let iy = y * stride - pad + ky * dil, ix = xx * stride - pad + kx * dil
                if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                s += Double(x[((b * c + ic) * h + iy) * w + ix]) * Double(weight[((oc * c + ic) * k + ky) * k + kx])
            } } }
            out[((b * o + oc) * oh + y) * ow + xx] = Float(s)
        } } } }
        return (out, oh, ow)
    }

    /// Transposed convolution with IOHW weights.
    static func deconv(_ x: [Float], n: Int, c: Int, h: Int, w: Int, weight: [Float], bias: [Float], o: Int,
                       k: Int, stride: Int, pad: Int) -> (out: [Float], oh: Int, ow: Int) {
        let oh = (h - 1) * stride - 2 * pad + k, ow = (w - 1) * stride - 2 * pad + k
        var acc = [Double](repeating: 0, count: n * o * oh * ow)
        for b in 0..<n { for ic in 0..<c { for y in 0..<h { for xx in 0..<w {
            let v = Double(x[((b * c + ic) * h + y) * w + xx])
            for oc in 0..<o { for ky in 0..<k { for kx in 0..<k {
                let oy = y * stride - pad + ky, ox = xx * stride - pad + kx
                if oy < 0 || oy >= oh || ox < 0 || ox >= ow { continue }
                acc[((b * o + oc) * oh + oy) * ow + ox] += v * Double(weight[((ic * o + oc) * k + ky) * k + kx])
            } } }
        } } } }
        var out = [Float](repeating: 0, count: acc.count)
        for b in 0..<n { for oc in 0..<o { for p in 0..<(oh * ow) {
            let i = (b * o + oc) * oh * ow + p
            out[i] = Float(acc[i] + Double(bias[oc]))
        } } }
        return (out, oh, ow)
    }
}

extension Naive {
    /// torchvision's CPU `roi_align` (roi_align_kernel.cpp), transcribed
    /// line by line on one NCHW image `[c, h, w]`: `pre_calc` of every
    /// sample, then per channel and bin `output_val += w1·v1 + w2·v2 + w3·v3 +
    /// w4·v4` (out-of-map samples carry zero weights at position 0) and
    /// `output_val /= count`. Returns `[c, P, P]`.
    static func roiAlign(_ x: [Float], c: Int, h: Int, w: Int, box: (Float, Float, Float, Float), spatialScale: Float,
                         pooled P: Int, samplingRatio: Int, aligned: Bool) -> [Float] {
        let offset: Float = aligned ? 0.5 : 0
        let roiStartW = box.0 * spatialScale - offset, roiStartH = box.1 * spatialScale - offset
        let roiEndW = box.2 * spatialScale - offset, roiEndH = box.3 * spatialScale - offset
        var roiWidth = roiEndW - roiStartW, roiHeight = roiEndH - roiStartH
        if !aligned { roiWidth = max(roiWidth, 1); roiHeight = max(roiHeight, 1) }
        let binH = roiHeight / Float(P), binW = roiWidth / Float(P)
        let gridH = samplingRatio > 0 ? samplingRatio : Int((roiHeight / Float(P)).rounded(.up))
        let gridW = samplingRatio > 0 ? samplingRatio : Int((roiWidth / Float(P)).rounded(.up))
        let count = Float(max(gridH * gridW, 1))
        struct PreCalc { var pos1, pos2, pos3, pos4: Int; var w1, w2, w3, w4: Float }
        var pre: [PreCalc] = []
        for ph in 0..<P { for pw in 0..<P { for iy in 0..<gridH { for ix in 0..<gridW {
            let yy: Float = roiStartH + Float(ph) * binH + Float(Float(iy) + 0.5) * binH / Float(gridH)
            let xx: Float = roiStartW + Float(pw) * binW + Float(Float(ix) + 0.5) * binW / Float(gridW)
            var x = xx, y = yy
            if y < -1 || y > Float(h) || x < -1 || x > Float(w) {
                pre.append(PreCalc(pos1: 0, pos2: 0, pos3: 0, pos4: 0, w1: 0, w2: 0, w3: 0, w4: 0))
                continue
            }
            if y <= 0 { y = 0 }
            if x <= 0 { x = 0 }
            var yLow = Int(y), xLow = Int(x), yHigh: Int, xHigh: Int
            if yLow >= h - 1 { yLow = h - 1; yHigh = yLow; y = Float(yLow) } else { yHigh = yLow + 1 }
            if xLow >= w - 1 { xLow = w - 1; xHigh = xLow; x = Float(xLow) } else { xHigh = xLow + 1 }
            let ly = y - Float(yLow), lx = x - Float(xLow)
            let hy = Float(1.0 - Double(ly)), hx = Float(1.0 - Double(lx))
            let w1: Float = hy * hx, w2: Float = hy * lx, w3: Float = ly * hx, w4: Float = ly * lx
            pre.append(PreCalc(pos1: yLow * w + xLow, pos2: yLow * w + xHigh, pos3: yHigh * w + xLow,
                               pos4: yHigh * w + xHigh, w1: w1, w2: w2, w3: w3, w4: w4))
        } } } }
        var out = [Float](repeating: 0, count: c * P * P)
        for ch in 0..<c {
            let base = ch * h * w
            var index = 0
            for ph in 0..<P { for pw in 0..<P {
                var v: Float = 0
                for _ in 0..<(gridH * gridW) {
                    let p = pre[index]
                    let t1: Float = p.w1 * x[base + p.pos1], t2: Float = p.w2 * x[base + p.pos2]
                    let t3: Float = p.w3 * x[base + p.pos3], t4: Float = p.w4 * x[base + p.pos4]
                    v += ((t1 + t2) + t3) + t4
                    index += 1
                }
                v /= count
                out[(ch * P + ph) * P + pw] = v
            } }
        }
        return out
    }
}

/// torchvision's `batched_nms` as its documentation states it, written
/// without any of `NMS`'s shortcuts: per category, take the highest-scoring
/// box left (ties: lower index), drop every box of that category whose IoU
/// with it is greater than the threshold, repeat. Returns the kept indices
/// by descending score (ties: lower index).
func naiveBatchedNMS(_ boxes: [Box], _ scores: [Float], categories: [Int], iouThreshold: Float) -> [Int] {
    func iou(_ a: Box, _ b: Box) -> Float {
        let w = max(0, min(a.x2, b.x2) - max(a.x1, b.x1)), h = max(0, min(a.y2, b.y2) - max(a.y1, b.y1))
        let inter = w * h
        return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter)
    }
    let before: (Int, Int) -> Bool = { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    var keep: [Int] = []
    for c in Set(categories) {
        var left = boxes.indices.filter { categories[$0] == c }.sorted(by: before)
        while let best = left.first {
            keep.append(best)
            left = left.dropFirst().filter { iou(boxes[best], boxes[$0]) <= iouThreshold }
        }
    }
    return keep.sorted(by: before)
}

func nhwc(_ values: [Float], _ shape: [Int]) -> Tensor {
    Tensor(shape: shape, layout: .nchw, values: values).converted(to: .nhwc)
}

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
