import VPSFormats

/// The fused panoptic result of a frame and the label set its ids refer to.
public struct PanopticResult: Sendable {
    /// Things (segment id category·1000 + instance, `trackId` = the track ID),
    /// stuff (category·1000) and void (0), at the frame's size.
    public var frame: PanopticFrame
    public var categories: [Category]
    public init(frame: PanopticFrame, categories: [Category]) {
        self.frame = frame
        self.categories = categories
    }
}
