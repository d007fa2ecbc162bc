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
        func shape(_ n: String) -> [Int]? { dict.tensors[n]?.shape }
        let body = "backbone.body"
        if let s = shape("\(body).conv1.weight") { c.backbone.stemChannels = s[0] }
        var layers: [Int] = [], widths: [Int] = []
        for stage in 1...4 {
            var n = 0
            while shape("\(body).layer\(stage).\(n).conv1.weight") != nil { n += 1 }
            layers.append(n)
            widths.append(shape("\(body).layer\(stage).0.conv1.weight")?[0] ?? 0)
        }
        if layers.allSatisfy({ $0 > 0 }) {
            c.backbone.layers = layers
            c.backbone.stageWidths = widths
            c.backbone.block = shape("\(body).layer1.0.conv3.weight") != nil ? .bottleneck : .basic
        }
        if let s = shape("backbone.fpn.inner_blocks.0.0.weight") { c.backbone.fpnChannels = s[0] }
        if let s = shape("roi_heads.box_head.fc6.weight") { c.roiHeads.representationSize = s[0] }
        var mask: [Int] = []
        while let s = shape("roi_heads.mask_head.\(mask.count).0.weight") { mask.append(s[0]) }
        if !mask.isEmpty { c.roiHeads.maskLayers = mask }
        if let s = shape("roi_heads.box_predictor.cls_score.weight"), s[0] != 81, s[0] >= 2 {
            c.classNames = ["__background__"] + (1..<s[0]).map { "class \($0 - 1)" }
            c.categoryIds = nil
        }
        if let s = shape("sem_seg_head.predictor.weight") {
            c.semanticHead?.convDims = shape("sem_seg_head.p2.0.weight")?[0] ?? 128
            if s[0] != 54 {
                c.semanticHead?.classNames = ["things"] + (1..<max(s[0], 2)).map { "stuff \($0)" }
                c.semanticHead?.categoryIds = nil
            }
        } else {
            c.semanticHead = nil
        }
        return c
    }
}
