/// One object found in one frame: what detection produces and tracking,
/// panoptic fusion, rendering and exports consume.
///
/// `category` is a category id of the label set the instance belongs to:
/// `MaskRCNN.detect` reports the model's class indices (torchvision's
/// `labels`, 0 = background, never output), and the `detect` stage maps them
/// to the label set's category ids (`LabelSet` in VPSPanoptic) before anything
/// downstream sees them.
public struct Instance: Equatable, Sendable {
    /// The category: a class index in a model's raw output, a category id
    /// (`Category.id`) everywhere after the `detect` stage.
    public var category: Int
    /// Confidence in 0…1.
    public var score: Double
    /// Box in pixels, (x1, y1, x2, y2), origin top-left (see `Box`).
    public var box: Box
    /// The mask in frame pixels; nil when masks were not computed.
    public var mask: BinaryMask?
    /// Appearance embedding for tracking: a trained track head's output, or
    /// the detection's pooled RoI features without one. Any length, the same
    /// for all instances of a video; nil when there is none.
    public var embedding: [Float]?

    public init(category: Int, score: Double, box: Box, mask: BinaryMask? = nil, embedding: [Float]? = nil) {
        self.category = category
        self.score = score
        self.box = box
        self.mask = mask
        self.embedding = embedding
    }

    /// An instance whose box is its mask's tight box.
    public init(category: Int, score: Double, mask: BinaryMask, embedding: [Float]? = nil) {
        self.init(category: category, score: score, box: mask.box, mask: mask, embedding: embedding)
    }

    /// The mask, or the box's pixels (whole pixels covering it, clipped to the
    /// frame) when no mask was computed.
    public func maskOrBox(frameWidth: Int, frameHeight: Int) -> BinaryMask {
        mask ?? .rectangle(frameWidth: frameWidth, frameHeight: frameHeight,
                           x0: Int(box.x1.rounded(.down)), y0: Int(box.y1.rounded(.down)),
                           x1: Int(box.x2.rounded(.up)), y1: Int(box.y2.rounded(.up)))
    }
}
