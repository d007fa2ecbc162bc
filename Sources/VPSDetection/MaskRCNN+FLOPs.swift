import Foundation

extension MaskRCNN {
    /// Floating-point operations (2 × multiply-adds) of each part for one
    /// forward pass, in the units of `ModelTimings`' parts.
    public func flops(_ r: ForwardResult) -> [String: Double] {
        let C = Double(config.backbone.fpnChannels)
        let A = Double(config.anchors.aspectRatios.count)
        var rpnMACs = 0.0
        for f in r.features {
            let hw = Double(f.h * f.w)
            rpnMACs += hw * (C * 9 * C + C * A + C * 4 * A)
        }
        let rh = config.roiHeads
        let P = Double(rh.boxPoolSize * rh.boxPoolSize), rep = Double(rh.representationSize), K = Double(config.numClasses)
        let boxMACs = Double(r.proposals.count) * (C * P * rep + rep * rep + rep * K + rep * 4 * K)
        let m = Double(rh.maskPoolSize * rh.maskPoolSize)
        var perMask = 0.0, cin = C
        for w in rh.maskLayers { perMask += cin * 9 * Double(w) * m; cin = Double(w) }
        perMask += cin * cin * 4 * m + cin * K * 4 * m
        let maskMACs = Double(r.detections.count) * perMask
        var out = ["backbone": 2 * backboneMACs(paddedHeight: r.paddedSize.h, paddedWidth: r.paddedSize.w),
                   "rpn": 2 * rpnMACs, "boxHead": 2 * boxMACs, "maskHead": 2 * maskMACs]
        if let th = config.trackHead {
            var perBox = 0.0, cin = C * Double(th.poolSize * th.poolSize)
            for d in th.fcDims { perBox += cin * Double(d); cin = Double(d) }
            out["trackHead"] = 2 * Double(r.detections.count) * perBox
        }
        if let semanticHead {
            out["semanticHead"] = 2 * semanticHead.macs(paddedHeight: r.paddedSize.h, paddedWidth: r.paddedSize.w,
                                                        channels: config.backbone.fpnChannels)
        }
        return out
    }
}
