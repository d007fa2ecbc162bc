import VPSCheckpoint

extension MaskRCNNConfig {
    /// Detectron2's Mask R-CNN / Panoptic FPN at test time
    /// (`configs/Base-RCNN-FPN.yaml`, `config/defaults.py`,
    /// `COCO-PanopticSegmentation/Base-Panoptic-FPN.yaml`), in vps's terms.
    /// Widths, depths and class counts are those of the R50 COCO model;
    /// `Detectron2Checkpoint.config(for:)` reads them from a file instead.
    public static func detectron2() -> MaskRCNNConfig {
        var c = MaskRCNNConfig()
        c.classNames = COCOPanoptic.thingClassNames
        c.categoryIds = COCOPanoptic.thingCategoryIds
        c.transform.mean = [103.530, 116.280, 123.675]
        c.transform.std = [1, 1, 1]
        c.transform.channelOrder = .bgr
        c.transform.pixelRange = 255
        c.transform.resize = .detectron2
        c.backbone.strideInOneByOne = true
        c.backbone.batchNormEps = 1e-5
        c.anchors.roundCellAnchors = false
        c.anchors.strides = [4, 8, 16, 32, 64]
        c.rpn.minSize = 0
        c.rpn.minSizeExclusive = true
        c.rpn.nmsOnLogits = true
        c.roiHeads.samplingRatio = 0
        c.roiHeads.alignedRoIs = true
        c.roiHeads.levelEpsInsideLog = true
        c.roiHeads.levelEps = 1e-8
        c.roiHeads.minBoxSide = 0
        c.roiHeads.clipAndDropEmptyBoxes = true
        c.roiHeads.maskPaste = .gridSample
        var s = SemanticHeadConfig()
        s.classNames = COCOPanoptic.semanticClassNames
        s.categoryIds = COCOPanoptic.stuffCategoryIds
        s.combine = PanopticCombineConfig()
        c.semanticHead = s
        return c
    }
}

extension Detectron2Checkpoint {
    /// The config of a converted Detectron2 checkpoint (vps names, as
    /// `converted(_:path:)` gives them): Detectron2's test-time settings with
    /// the widths, depths and heads read from the tensor shapes. 80 thing
    /// classes get COCO's names and ids and a 54-class semantic head COCO's
    /// stuff; other counts get `class N` / `stuff N` names.
    public static func config(for dict: StateDict) -> MaskRCNNConfig {
        var c = MaskRCNNConfig.detectron2()
        /// The first dimension of a tensor (output channels or classes), if it has one.
        func rows(_ n: String) -> Int? { dict.tensors[n]?.shape.first }
        let body = "backbone.body"
        if let n = rows("\(body).conv1.weight") { c.backbone.stemChannels = n }
        var layers: [Int] = [], widths: [Int] = []
        for stage in 1...4 {
            var n = 0
            while rows("\(body).layer\(stage).\(n).conv1.weight") != nil { n += 1 }
            layers.append(n)
            widths.append(rows("\(body).layer\(stage).0.conv1.weight") ?? 0)
        }
        if layers.allSatisfy({ $0 > 0 }) {
            c.backbone.layers = layers
            c.backbone.stageWidths = widths
            c.backbone.block = rows("\(body).layer1.0.conv3.weight") != nil ? .bottleneck : .basic
        }
        if let n = rows("backbone.fpn.inner_blocks.0.0.weight") { c.backbone.fpnChannels = n }
        if let n = rows("roi_heads.box_head.fc6.weight") { c.roiHeads.representationSize = n }
        var mask: [Int] = []
        while let n = rows("roi_heads.mask_head.\(mask.count).0.weight") { mask.append(n) }
        if !mask.isEmpty { c.roiHeads.maskLayers = mask }
        if let n = rows("roi_heads.box_predictor.cls_score.weight"), n != 81, n >= 2 {
            c.classNames = ["__background__"] + (1..<n).map { "class \($0 - 1)" }
            c.categoryIds = nil
        }
        if let n = rows("sem_seg_head.predictor.weight") {
            c.semanticHead?.convDims = rows("sem_seg_head.p2.0.weight") ?? 128
            if n != 54 {
                c.semanticHead?.classNames = ["things"] + (1..<max(n, 2)).map { "stuff \($0)" }
                c.semanticHead?.categoryIds = nil
            }
        } else {
            c.semanticHead = nil
        }
        return c
    }
}
