import Foundation

/// Everything that defines a Mask R-CNN: architecture, widths, thresholds and
/// class names. Each parameter lives here once; the safetensors metadata key
/// `vps.config` carries it as JSON.
public struct MaskRCNNConfig: Codable, Sendable, Equatable {
    public var architecture: String = "maskrcnn"
    public var backbone = BackboneConfig()
    public var transform = TransformConfig()
    public var anchors = AnchorConfig()
    public var rpn = RPNConfig()
    public var roiHeads = RoIHeadsConfig()
    /// Index 0 is the background; `classNames.count` is torchvision's `num_classes`.
    public var classNames: [String] = []
    /// The output category id of each label (index = label, entry 0 for the
    /// background is ignored); nil: each label is its own category id. Lets a
    /// model trained on, say, `vps synth` data (stuff 1–3, things 4–7) report
    /// that label set.
    public var categoryIds: [Int]? = nil
    /// The track head (parameters `track_head.*`); nil: no track head, and
    /// embeddings fall back to pooled RoI features.
    public var trackHead: TrackHeadConfig? = nil
    /// The Panoptic-FPN semantic head (parameters `sem_seg_head.*`); nil: things only.
    public var semanticHead: SemanticHeadConfig? = nil
    /// The learned temporal fusion head (parameters `fuse_head.*`); nil: none,
    /// and the `fuse` stage offers only its training-free mode.
    public var fuseHead: FuseHeadConfig? = nil

    public init() {}

    public var numClasses: Int { classNames.count }

    /// The category id that label `label` is reported as.
    public func categoryId(ofLabel label: Int) -> Int {
        guard let ids = categoryIds, label < ids.count else { return label }
        return ids[label]
    }

    /// The category id of semantic class `s` (≥ 1; class 0 is 'things').
    public func stuffCategoryId(ofClass s: Int) -> Int {
        if let ids = semanticHead?.categoryIds, s - 1 < ids.count { return ids[s - 1] }
        return numClasses - 1 + s
    }

    /// torchvision's `maskrcnn_resnet50_fpn` with COCO's 91 classes.
    public static func resnet50FPN(classNames: [String] = COCO.categoryNames) -> MaskRCNNConfig {
        var c = MaskRCNNConfig()
        c.classNames = classNames
        return c
    }

    /// The JSON stored in checkpoint metadata.
    public func jsonString() throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return String(decoding: try enc.encode(self), as: UTF8.self)
    }

    public static func decode(json: String) throws -> MaskRCNNConfig {
        try JSONDecoder().decode(MaskRCNNConfig.self, from: Data(json.utf8))
    }

    /// Checks values a user (or a checkpoint) could get wrong.
    public func validate() throws {
        func bad(_ m: String) -> Error { DetectionError.invalidConfig(m) }
        guard architecture == "maskrcnn" else { throw bad("architecture must be \"maskrcnn\", got \"\(architecture)\"") }
        guard numClasses >= 2 else { throw bad("classNames needs the background and at least one class") }
        guard backbone.layers.count == 4, backbone.stageWidths.count == 4 else { throw bad("backbone needs 4 stages (layers and stageWidths)") }
        guard backbone.layers.allSatisfy({ $0 >= 1 }), backbone.stageWidths.allSatisfy({ $0 >= 1 }), backbone.stemChannels >= 1,
              backbone.fpnChannels >= 1 else { throw bad("backbone widths and block counts must be positive") }
        guard transform.minSize > 0, transform.maxSize >= transform.minSize else { throw bad("transform needs 0 < minSize <= maxSize") }
        guard transform.mean.count == 3, transform.std.count == 3, transform.std.allSatisfy({ $0 > 0 }) else { throw bad("transform mean/std need 3 values, std > 0") }
        guard anchors.sizes.count == 5, !anchors.aspectRatios.isEmpty else { throw bad("anchors need 5 sizes (one per FPN level) and at least one aspect ratio") }
        guard roiHeads.boxCoderWeights.count == 4 else { throw bad("roiHeads.boxCoderWeights needs 4 values") }
        guard roiHeads.representationSize >= 1, !roiHeads.maskLayers.isEmpty, roiHeads.maskLayers.allSatisfy({ $0 >= 1 }),
              roiHeads.boxPoolSize >= 1, roiHeads.maskPoolSize >= 1 else {
            throw bad("roiHeads widths and pool sizes must be positive (representationSize, maskLayers, boxPoolSize, maskPoolSize)")
        }
        guard roiHeads.samplingRatio >= 0 else { throw bad("roiHeads.samplingRatio must be 0 (adaptive) or positive") }
        if let s = anchors.strides, s.count != 5 || s.contains(where: { $0 < 1 }) {
            throw bad("anchors.strides needs 5 positive values (one per FPN level)")
        }
        guard transform.pixelRange > 0 else { throw bad("transform.pixelRange must be positive") }
        if let ids = categoryIds, ids.count != numClasses {
            throw bad("categoryIds needs one id per class name (\(numClasses)), got \(ids.count)")
        }
        if let t = trackHead {
            guard t.poolSize >= 1, !t.fcDims.isEmpty, t.fcDims.allSatisfy({ $0 >= 1 }) else {
                throw bad("trackHead needs poolSize >= 1 and at least one positive fcDims entry")
            }
        }
        if let s = semanticHead {
            guard s.classNames.count >= 2 else { throw bad("semanticHead.classNames needs 'things' and at least one stuff class") }
            guard s.convDims >= 1, s.groupNormGroups >= 1, s.convDims % s.groupNormGroups == 0 else {
                throw bad("semanticHead.convDims (\(s.convDims)) must be a positive multiple of groupNormGroups (\(s.groupNormGroups))")
            }
            guard s.commonStride == 4 else { throw bad("semanticHead.commonStride must be 4: the head sums P2…P5 at P2's stride") }
            if let ids = s.categoryIds, ids.count != s.classNames.count - 1 {
                throw bad("semanticHead.categoryIds needs one id per stuff class (\(s.classNames.count - 1)), got \(ids.count)")
            }
        }
        if let f = fuseHead, f.embedDims < 1 { throw bad("fuseHead.embedDims must be positive, got \(f.embedDims)") }
    }
}

/// ResNet body plus FPN.
public struct BackboneConfig: Codable, Sendable, Equatable {
    public enum Block: String, Codable, Sendable { case basic, bottleneck }
    /// `basic` for ResNet-18/34, `bottleneck` for ResNet-50/101.
    public var block: Block = .bottleneck
    /// Blocks per stage (layer1…layer4).
    public var layers: [Int] = [3, 4, 6, 3]
    /// Output channels of the 7×7 stem.
    public var stemChannels: Int = 64
    /// Planes of each stage (a bottleneck's output is 4× this).
    public var stageWidths: [Int] = [64, 128, 256, 512]
    /// FPN output channels.
    public var fpnChannels: Int = 256
    /// Batch-norm epsilon used when folding (COCO weights 0, random-init models 1e-5).
    public var batchNormEps: Double = 0
    /// Where a bottleneck's stride sits: false on the 3×3 conv (torchvision,
    /// ResNet v1.5), true on the first 1×1 conv (Detectron2's `STRIDE_IN_1X1`,
    /// MSRA ResNet).
    public var strideInOneByOne: Bool = false

    public init() {}

    /// torchvision's ResNet depths.
    public static func resnet(_ depth: Int) -> BackboneConfig? {
        var c = BackboneConfig()
        switch depth {
        case 18: c.block = .basic; c.layers = [2, 2, 2, 2]
        case 34: c.block = .basic; c.layers = [3, 4, 6, 3]
        case 50: c.block = .bottleneck; c.layers = [3, 4, 6, 3]
        case 101: c.block = .bottleneck; c.layers = [3, 4, 23, 3]
        default: return nil
        }
        return c
    }

    public var expansion: Int { block == .bottleneck ? 4 : 1 }
    /// Channels of C2…C5, the FPN inputs.
    public var stageOutputChannels: [Int] { stageWidths.map { $0 * expansion } }
}

/// The input transform: torchvision's `GeneralizedRCNNTransform` by
/// default; Detectron2's `ResizeShortestEdge` plus its normalisation with
/// `channelOrder: .bgr, pixelRange: 255, resize: .detectron2`.
public struct TransformConfig: Codable, Sendable, Equatable {
    public var minSize: Int = 800
    public var maxSize: Int = 1333
    /// Per channel (in `channelOrder`), for values in [0, `pixelRange`].
    public var mean: [Double] = [0.485, 0.456, 0.406]
    public var std: [Double] = [0.229, 0.224, 0.225]
    /// The padded batch is a multiple of this in both dimensions.
    public var sizeDivisible: Int = 32
    /// The order of the model's input channels.
    public var channelOrder: ChannelOrder = .rgb
    /// A pixel value of 255 enters the model as this (torchvision 1, Detectron2 255).
    public var pixelRange: Double = 1
    /// How the image is resized.
    public var resize: ResizeMethod = .torchvision
    public init() {}

    public enum ChannelOrder: String, Codable, Sendable { case rgb, bgr }

    public enum ResizeMethod: String, Codable, Sendable {
        /// Size ⌊side·scale⌋; the normalised float image is resized
        /// bilinearly (`F.interpolate`, align_corners = false).
        case torchvision
        /// `ResizeShortestEdge`: size rounded with ⌊x + 0.5⌋; the uint8
        /// image is resized by PIL's bilinear filter (antialiased when
        /// shrinking) and then normalised.
        case detectron2
    }
}

/// torchvision `AnchorGenerator`: one size per FPN level.
public struct AnchorConfig: Codable, Sendable, Equatable {
    public var sizes: [Double] = [32, 64, 128, 256, 512]
    public var aspectRatios: [Double] = [0.5, 1.0, 2.0]
    /// Round the zero-centred cell anchors to integers, half to even
    /// (torchvision); Detectron2 keeps them unrounded.
    public var roundCellAnchors: Bool = true
    /// The stride of each level's anchor grid in pixels; nil: padded image
    /// size ÷ feature size, per axis (torchvision). Detectron2 uses the
    /// levels' nominal strides, 4…64.
    public var strides: [Int]? = nil
    public init() {}
}

/// torchvision `RegionProposalNetwork` at test time.
public struct RPNConfig: Codable, Sendable, Equatable {
    /// Proposals kept per level before NMS.
    public var preNMSTopN: Int = 1000
    /// Proposals kept per image after NMS.
    public var postNMSTopN: Int = 1000
    public var nmsThreshold: Double = 0.7
    public var scoreThreshold: Double = 0
    /// Minimum proposal side, in pixels of the resized image.
    public var minSize: Double = 1e-3
    /// Keep sides > `minSize` (Detectron2's `nonempty`) rather than ≥ (torchvision).
    public var minSizeExclusive: Bool = false
    /// Rank and suppress proposals by raw objectness logits (Detectron2)
    /// rather than by their sigmoid (torchvision), which ties above ~17.
    public var nmsOnLogits: Bool = false
    public init() {}
}

/// torchvision `RoIHeads` with box and mask branches.
public struct RoIHeadsConfig: Codable, Sendable, Equatable {
    public var boxPoolSize: Int = 7
    public var maskPoolSize: Int = 14
    public var samplingRatio: Int = 2
    /// Width of TwoMLPHead's fc6/fc7.
    public var representationSize: Int = 1024
    /// Channels of each MaskRCNNHeads convolution.
    public var maskLayers: [Int] = [256, 256, 256, 256]
    public var boxCoderWeights: [Double] = [10, 10, 5, 5]
    /// Detections scoring at or below this are dropped.
    public var scoreThreshold: Double = 0.05
    public var nmsThreshold: Double = 0.5
    public var detectionsPerImage: Int = 100
    /// Mask probabilities above this (at or above it, with
    /// `maskPaste: .gridSample`) are foreground.
    public var maskThreshold: Double = 0.5
    /// RoIAlign's `aligned` (half-pixel shift; Detectron2's ROIAlignV2).
    /// `samplingRatio` 0 means adaptive: ⌈bin size⌉ samples per bin.
    public var alignedRoIs: Bool = false
    /// The level mapper's eps: false adds it after the log2 (torchvision,
    /// 1e-6), true inside it (Detectron2, 1e-8).
    public var levelEpsInsideLog: Bool = false
    public var levelEps: Double = 1e-6
    /// Detections with a side below this (resized-image pixels) are dropped
    /// before NMS (torchvision 1e-2; 0 keeps all, as Detectron2).
    public var minBoxSide: Double = 1e-2
    /// Detectron2's `detector_postprocess`: the scale to the input image is
    /// computed in double precision, and the rescaled boxes are clipped to
    /// the image and empty ones dropped.
    public var clipAndDropEmptyBoxes: Bool = false
    /// How a mask is pasted into the image.
    public var maskPaste: MaskPaste = .torchvision
    public init() {}

    public enum MaskPaste: String, Codable, Sendable {
        /// torchvision's `paste_masks_in_image`: the map padded by one pixel,
        /// the box grown by (M+2)/M and truncated, bilinear resize; `> threshold`.
        case torchvision
        /// Detectron2's `paste_masks_in_image`: `grid_sample` of the map at
        /// the centre of each pixel (align_corners = false, zeros outside); `≥ threshold`.
        case gridSample
    }
}

/// MaskTrack R-CNN's track head: the box head's RoIAlign (poolSize × poolSize
/// over P2…P5), flattened C × P × P, then fully connected layers
/// `track_head.fcs.i` with a ReLU between them (none after the last).
public struct TrackHeadConfig: Codable, Sendable, Equatable {
    public var poolSize: Int = 7
    /// Output width of each fc; the last is the embedding's length.
    public var fcDims: [Int] = [1024, 1024]
    public init() {}

    enum CodingKeys: String, CodingKey { case poolSize, fcDims }

    /// Keys left out take their defaults (`"trackHead": {}` is MaskTrack R-CNN's head).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        poolSize = try c.decodeIfPresent(Int.self, forKey: .poolSize) ?? 7
        fcDims = try c.decodeIfPresent([Int].self, forKey: .fcDims) ?? [1024, 1024]
    }

    /// Length of the embedding.
    public var embeddingLength: Int { fcDims.last ?? 0 }
}

/// The learned temporal fusion head (`FuseHead`): a 1×1 embedding of
/// `embedDims` channels for its attention, and a 3×3 conv over the current
/// and the attended warped features.
public struct FuseHeadConfig: Codable, Sendable, Equatable {
    public var embedDims: Int = 32
    public init() {}

    enum CodingKeys: String, CodingKey { case embedDims }

    /// Keys left out take their defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        embedDims = try c.decodeIfPresent(Int.self, forKey: .embedDims) ?? 32
    }
}

/// Detectron2's `SemSegFPNHead` (Panoptic FPN) with GroupNorm.
public struct SemanticHeadConfig: Codable, Sendable, Equatable {
    /// Channels of each 3×3 conv block.
    public var convDims: Int = 128
    /// Stride of the map the levels are summed at (and its ×commonStride upsampling).
    public var commonStride: Int = 4
    public var groupNormGroups: Int = 32
    /// Index 0 is Detectron2's 'things' class; 1… are stuff classes.
    public var classNames: [String] = []
    /// The output category id of stuff class s (entry s − 1); nil: the ids
    /// right after the thing labels, `numClasses − 1 + s`.
    public var categoryIds: [Int]? = nil
    public init() {}

    /// The panoptic combine's thresholds the model was trained and
    /// evaluated with; nil: the panoptic stage's defaults. Pipeline settings
    /// of the `panoptic` stage override them.
    public var combine: PanopticCombineConfig? = nil

    enum CodingKeys: String, CodingKey { case convDims, commonStride, groupNormGroups, classNames, categoryIds, combine }

    /// Keys left out take their defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        convDims = try c.decodeIfPresent(Int.self, forKey: .convDims) ?? 128
        commonStride = try c.decodeIfPresent(Int.self, forKey: .commonStride) ?? 4
        groupNormGroups = try c.decodeIfPresent(Int.self, forKey: .groupNormGroups) ?? 32
        classNames = try c.decode([String].self, forKey: .classNames)
        categoryIds = try c.decodeIfPresent([Int].self, forKey: .categoryIds)
        combine = try c.decodeIfPresent(PanopticCombineConfig.self, forKey: .combine)
    }
}

/// Detectron2's `combine_semantic_and_instance_outputs` thresholds
/// (`MODEL.PANOPTIC_FPN.COMBINE`).
public struct PanopticCombineConfig: Codable, Sendable, Equatable {
    /// Largest fraction of an instance already covered by better ones.
    public var overlapThreshold: Double = 0.5
    /// Fewest free pixels a stuff class needs to become a segment.
    public var stuffAreaThreshold: Int = 4096
    /// Instances scoring below this are not painted.
    public var instanceScoreThreshold: Double = 0.5
    public init() {}

    enum CodingKeys: String, CodingKey { case overlapThreshold, stuffAreaThreshold, instanceScoreThreshold }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self), d = PanopticCombineConfig()
        overlapThreshold = try c.value(.overlapThreshold, or: d.overlapThreshold)
        stuffAreaThreshold = try c.value(.stuffAreaThreshold, or: d.stuffAreaThreshold)
        instanceScoreThreshold = try c.value(.instanceScoreThreshold, or: d.instanceScoreThreshold)
    }
}

/// Errors building or running a detection model.
public enum DetectionError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalidConfig(String)
    case missingConfig(path: String)

    public var description: String {
        switch self {
        case .invalidConfig(let m): return "invalid model config: \(m)"
        case .missingConfig(let p): return "\(p) carries no vps model config; convert it with scripts/convert_torchvision.py or pass --model-config FILE"
        }
    }
}

// Decoding: keys a config leaves out take their defaults, so configs written
// before a field existed (checkpoint metadata, fixtures) still read.

extension KeyedDecodingContainer {
    func value<T: Decodable>(_ key: Key, or fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }
}

extension BackboneConfig {
    enum CodingKeys: String, CodingKey { case block, layers, stemChannels, stageWidths, fpnChannels, batchNormEps, strideInOneByOne }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self), d = BackboneConfig()
        block = try c.value(.block, or: d.block)
        layers = try c.value(.layers, or: d.layers)
        stemChannels = try c.value(.stemChannels, or: d.stemChannels)
        stageWidths = try c.value(.stageWidths, or: d.stageWidths)
        fpnChannels = try c.value(.fpnChannels, or: d.fpnChannels)
        batchNormEps = try c.value(.batchNormEps, or: d.batchNormEps)
        strideInOneByOne = try c.value(.strideInOneByOne, or: d.strideInOneByOne)
    }
}

extension TransformConfig {
    enum CodingKeys: String, CodingKey { case minSize, maxSize, mean, std, sizeDivisible, channelOrder, pixelRange, resize }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self), d = TransformConfig()
        minSize = try c.value(.minSize, or: d.minSize)
        maxSize = try c.value(.maxSize, or: d.maxSize)
        mean = try c.value(.mean, or: d.mean)
        std = try c.value(.std, or: d.std)
        sizeDivisible = try c.value(.sizeDivisible, or: d.sizeDivisible)
        channelOrder = try c.value(.channelOrder, or: d.channelOrder)
        pixelRange = try c.value(.pixelRange, or: d.pixelRange)
        resize = try c.value(.resize, or: d.resize)
    }
}

extension AnchorConfig {
    enum CodingKeys: String, CodingKey { case sizes, aspectRatios, roundCellAnchors, strides }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self), d = AnchorConfig()
        sizes = try c.value(.sizes, or: d.sizes)
        aspectRatios = try c.value(.aspectRatios, or: d.aspectRatios)
        roundCellAnchors = try c.value(.roundCellAnchors, or: d.roundCellAnchors)
        strides = try c.decodeIfPresent([Int].self, forKey: .strides)
    }
}

extension RPNConfig {
    enum CodingKeys: String, CodingKey { case preNMSTopN, postNMSTopN, nmsThreshold, scoreThreshold, minSize, minSizeExclusive, nmsOnLogits }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self), d = RPNConfig()
        preNMSTopN = try c.value(.preNMSTopN, or: d.preNMSTopN)
        postNMSTopN = try c.value(.postNMSTopN, or: d.postNMSTopN)
        nmsThreshold = try c.value(.nmsThreshold, or: d.nmsThreshold)
        scoreThreshold = try c.value(.scoreThreshold, or: d.scoreThreshold)
        minSize = try c.value(.minSize, or: d.minSize)
        minSizeExclusive = try c.value(.minSizeExclusive, or: d.minSizeExclusive)
        nmsOnLogits = try c.value(.nmsOnLogits, or: d.nmsOnLogits)
    }
}

extension RoIHeadsConfig {
    enum CodingKeys: String, CodingKey {
        case boxPoolSize, maskPoolSize, samplingRatio, representationSize, maskLayers, boxCoderWeights, scoreThreshold,
             nmsThreshold, detectionsPerImage, maskThreshold, alignedRoIs, levelEpsInsideLog, levelEps, minBoxSide,
             clipAndDropEmptyBoxes, maskPaste
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self), d = RoIHeadsConfig()
        boxPoolSize = try c.value(.boxPoolSize, or: d.boxPoolSize)
        maskPoolSize = try c.value(.maskPoolSize, or: d.maskPoolSize)
        samplingRatio = try c.value(.samplingRatio, or: d.samplingRatio)
        representationSize = try c.value(.representationSize, or: d.representationSize)
        maskLayers = try c.value(.maskLayers, or: d.maskLayers)
        boxCoderWeights = try c.value(.boxCoderWeights, or: d.boxCoderWeights)
        scoreThreshold = try c.value(.scoreThreshold, or: d.scoreThreshold)
        nmsThreshold = try c.value(.nmsThreshold, or: d.nmsThreshold)
        detectionsPerImage = try c.value(.detectionsPerImage, or: d.detectionsPerImage)
        maskThreshold = try c.value(.maskThreshold, or: d.maskThreshold)
        alignedRoIs = try c.value(.alignedRoIs, or: d.alignedRoIs)
        levelEpsInsideLog = try c.value(.levelEpsInsideLog, or: d.levelEpsInsideLog)
        levelEps = try c.value(.levelEps, or: d.levelEps)
        minBoxSide = try c.value(.minBoxSide, or: d.minBoxSide)
        clipAndDropEmptyBoxes = try c.value(.clipAndDropEmptyBoxes, or: d.clipAndDropEmptyBoxes)
        maskPaste = try c.value(.maskPaste, or: d.maskPaste)
    }
}
