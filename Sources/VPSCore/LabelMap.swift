/// One integer label per pixel of a frame, row-major: a semantic head's
/// class per pixel, or a stuff map's category id per pixel.
public struct LabelMap: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// `labels[y * width + x]`: the label of pixel (x, y).
    public var labels: [Int32]

    public init(width: Int, height: Int, labels: [Int32]) {
        precondition(labels.count == width * height, "label map does not match \(width)x\(height)")
        self.width = width
        self.height = height
        self.labels = labels
    }

    /// Every label replaced by `table[label]` (labels must index `table`).
    public func mapped(through table: [Int32]) -> LabelMap {
        LabelMap(width: width, height: height, labels: labels.map { table[Int($0)] })
    }
}
