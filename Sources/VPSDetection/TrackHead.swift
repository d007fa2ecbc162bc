import Foundation
import VPSTensor

/// MaskTrack R-CNN's track head (as in VPSNet): each box is pooled by a
/// `poolSize × poolSize` MultiScaleRoIAlign over P2…P5 (the box head's
/// pooler: aligned = false, sampling ratio 2), flattened in torch's order
/// (C × P × P), then passed through fully connected layers with a ReLU
/// between them and none after the last.
///
/// Parameters: `track_head.fcs.{i}.weight` (`[fcDims[i], in]`, in = C·P² for
/// i = 0) and `track_head.fcs.{i}.bias`.
public struct TrackHead {
    public let config: TrackHeadConfig
    let pool: MultiScaleRoIAlign
    let fcs: [Linear]

    init(config: TrackHeadConfig, channels: Int, samplingRatio: Int, reader r: ParameterReader) {
        self.config = config
        pool = MultiScaleRoIAlign(outputSize: config.poolSize, samplingRatio: samplingRatio)
        var cin = channels * config.poolSize * config.poolSize
        var layers: [Linear] = []
        for (i, d) in config.fcDims.enumerated() {
            layers.append(r.linear("track_head.fcs.\(i)", in: cin, out: d, relu: i < config.fcDims.count - 1))
            cin = d
        }
        fcs = layers
    }

    /// One embedding (`fcDims.last` values, not normalised) per box.
    /// - Parameters:
    ///   - levels: P2…P5 of one image.
    ///   - boxes: (x1, y1, x2, y2) in resized-image pixels.
    ///   - imageSize: the resized (unpadded) image size.
    public func callAsFunction(_ levels: [Tensor], boxes: [Box], imageSize: (h: Int, w: Int)) -> [[Float]] {
        if boxes.isEmpty { return [] }
        var x = pool(levels, boxes: boxes, imageSize: imageSize, layout: .matrix)
        for fc in fcs { x = fc(x) }
        let d = x.shape[1]
        return (0..<boxes.count).map { Array(UnsafeBufferPointer(start: x.data + $0 * d, count: d)) }
    }
}

/// The embedding without a track head: each box's `poolSize × poolSize`
/// RoIAlign features (the box head's pooling) averaged over the cells, one
/// value per FPN channel, then L2-normalised.
public struct PooledEmbedding: Sendable {
    let pool: MultiScaleRoIAlign

    public init(poolSize: Int, samplingRatio: Int) {
        pool = MultiScaleRoIAlign(outputSize: poolSize, samplingRatio: samplingRatio)
    }

    /// One unit-length vector of C values per box (boxes in resized-image pixels).
    public func callAsFunction(_ levels: [Tensor], boxes: [Box], imageSize: (h: Int, w: Int)) -> [[Float]] {
        if boxes.isEmpty { return [] }
        let pooled = pool(levels, boxes: boxes, imageSize: imageSize, layout: .nchw)
        let C = pooled.c, cells = pooled.h * pooled.w
        return (0..<boxes.count).map { i in
            var v = [Float](repeating: 0, count: C)
            var norm: Float = 0
            for c in 0..<C {
                let p = pooled.data + (i * C + c) * cells
                var s: Float = 0
                for j in 0..<cells { s += p[j] }
                v[c] = s / Float(cells)
                norm += v[c] * v[c]
            }
            let scale = 1 / max(norm.squareRoot(), 1e-12)
            return v.map { $0 * scale }
        }
    }
}
