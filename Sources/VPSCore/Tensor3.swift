/// A dense Float32 tensor of shape C×H×W, planar (channel-major).
///
/// Layout: `data[(c * height + y) * width + x]`. Used for feature maps that
/// move between stages (e.g. features warped by a motion map).
public struct CHWTensor: Equatable, Sendable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var data: [Float]

    public init(channels: Int, height: Int, width: Int, data: [Float]) {
        precondition(data.count == channels * height * width, "tensor data does not match \(channels)x\(height)x\(width)")
        self.channels = channels
        self.height = height
        self.width = width
        self.data = data
    }

    public init(channels: Int, height: Int, width: Int, repeating value: Float = 0) {
        self.init(channels: channels, height: height, width: width,
                  data: [Float](repeating: value, count: channels * height * width))
    }

    @inlinable
    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { data[(c * height + y) * width + x] }
        set { data[(c * height + y) * width + x] = newValue }
    }
}
