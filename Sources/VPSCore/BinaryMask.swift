/// A binary instance mask stored as its tight crop of the frame.
///
/// Layout: `bits[(y - y0) * width + (x - x0)]` is 1 when frame pixel (x, y)
/// belongs to the mask, row-major, origin top-left, for x0 ≤ x < x0 + width
/// and y0 ≤ y < y0 + height; every pixel outside the crop is 0. The crop is
/// always tight (it is the mask's pixel box), so an empty mask has a 0×0 crop.
///
/// Why a crop: the tracker intersects every detection with every track and
/// warps every track's mask each frame. With crops both cost the size of the
/// objects, not of the frame: an intersection only visits the overlap of two
/// crops, and a warp only resamples the crop grown by the largest motion.
public struct BinaryMask: Equatable, Sendable {
    /// Size of the frame the mask lives in, in pixels.
    public let frameWidth: Int
    public let frameHeight: Int
    /// The crop: top-left corner and size in frame pixels.
    public private(set) var x0: Int
    public private(set) var y0: Int
    public private(set) var width: Int
    public private(set) var height: Int
    /// 0/1 bytes of the crop, row-major.
    public private(set) var bits: [UInt8]
    /// Number of foreground pixels.
    public private(set) var area: Int

    /// A mask from a crop; pixels of the crop outside the frame are dropped
    /// and the crop is tightened to the foreground.
    public init(frameWidth: Int, frameHeight: Int, x0: Int, y0: Int, width: Int, height: Int, bits: [UInt8]) {
        precondition(bits.count == width * height, "mask bits do not match \(width)x\(height)")
        self.frameWidth = frameWidth
        self.frameHeight = frameHeight
        var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1
        for y in 0..<height {
            let fy = y0 + y
            guard fy >= 0, fy < frameHeight else { continue }
            for x in 0..<width where bits[y * width + x] != 0 {
                let fx = x0 + x
                guard fx >= 0, fx < frameWidth else { continue }
                minX = min(minX, fx); maxX = max(maxX, fx); minY = min(minY, fy); maxY = max(maxY, fy)
            }
        }
        guard maxX >= 0 else {
            self.x0 = 0; self.y0 = 0; self.width = 0; self.height = 0; self.bits = []; self.area = 0
            return
        }
        let w = maxX - minX + 1, h = maxY - minY + 1
        var tight = [UInt8](repeating: 0, count: w * h)
        var a = 0
        for y in 0..<h {
            let src = (minY + y - y0) * width + (minX - x0)
            for x in 0..<w where bits[src + x] != 0 { tight[y * w + x] = 1; a += 1 }
        }
        self.x0 = minX; self.y0 = minY; self.width = w; self.height = h; self.bits = tight; self.area = a
    }

    /// A mask from a full-frame row-major map (`mask[y * frameWidth + x]`, nonzero = foreground).
    public init(rowMajor mask: [UInt8], frameWidth: Int, frameHeight: Int) {
        self.init(frameWidth: frameWidth, frameHeight: frameHeight, x0: 0, y0: 0, width: frameWidth, height: frameHeight, bits: mask)
    }

    /// The pixels of a panoptic id map equal to `id` (`ids[y * frameWidth + x]`).
    /// `box` ([x, y, w, h], e.g. `Segment.bbox`) limits the scan when given.
    public init(ids: [Int32], frameWidth: Int, frameHeight: Int, id: Int, box: [Int]? = nil) {
        let b = box ?? [0, 0, frameWidth, frameHeight]
        let target = Int32(truncatingIfNeeded: id)
        var bits = [UInt8](repeating: 0, count: b[2] * b[3])
        for y in 0..<b[3] {
            let row = (b[1] + y) * frameWidth + b[0]
            for x in 0..<b[2] where ids[row + x] == target { bits[y * b[2] + x] = 1 }
        }
        self.init(frameWidth: frameWidth, frameHeight: frameHeight, x0: b[0], y0: b[1], width: b[2], height: b[3], bits: bits)
    }

    /// A filled rectangle of frame pixels x0..<x1, y0..<y1 (clipped to the frame).
    public static func rectangle(frameWidth: Int, frameHeight: Int, x0: Int, y0: Int, x1: Int, y1: Int) -> BinaryMask {
        let w = max(0, x1 - x0), h = max(0, y1 - y0)
        return BinaryMask(frameWidth: frameWidth, frameHeight: frameHeight, x0: x0, y0: y0, width: w, height: h,
                          bits: [UInt8](repeating: 1, count: w * h))
    }

    public var isEmpty: Bool { area == 0 }

    /// Whether frame pixel (x, y) is in the mask.
    @inlinable
    public func contains(x: Int, y: Int) -> Bool {
        let cx = x - x0, cy = y - y0
        return cx >= 0 && cy >= 0 && cx < width && cy < height && bits[cy * width + cx] != 0
    }

    /// The tight box of the mask in continuous pixel coordinates: pixel (x, y)
    /// covers [x, x + 1) × [y, y + 1), so a one-pixel mask has a box of area 1.
    public var box: Box { Box(x1: Double(x0), y1: Double(y0), x2: Double(x0 + width), y2: Double(y0 + height)) }

    /// Pixels in both masks (same frame size); visits only the crops' overlap.
    public func intersectionArea(_ o: BinaryMask) -> Int {
        let ax = max(x0, o.x0), ay = max(y0, o.y0)
        let bx = min(x0 + width, o.x0 + o.width), by = min(y0 + height, o.y0 + o.height)
        guard ax < bx, ay < by else { return 0 }
        var n = 0
        bits.withUnsafeBufferPointer { p in
            o.bits.withUnsafeBufferPointer { q in
                for y in ay..<by {
                    let r = (y - y0) * width - x0, s = (y - o.y0) * o.width - o.x0
                    for x in ax..<bx { n += Int(p[r + x] & q[s + x]) }
                }
            }
        }
        return n
    }

    /// Intersection over union; 0 when both are empty.
    public func iou(_ o: BinaryMask) -> Double {
        let i = intersectionArea(o)
        let u = area + o.area - i
        return u > 0 ? Double(i) / Double(u) : 0
    }

    /// The mask moved by whole pixels (right and down are positive); what
    /// leaves the frame is cut off.
    public func shifted(dx: Int, dy: Int) -> BinaryMask {
        BinaryMask(frameWidth: frameWidth, frameHeight: frameHeight, x0: x0 + dx, y0: y0 + dy, width: width, height: height, bits: bits)
    }

    /// The full-frame row-major 0/1 map.
    public func rowMajor() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: frameWidth * frameHeight)
        for y in 0..<height { for x in 0..<width { out[(y0 + y) * frameWidth + x0 + x] = bits[y * width + x] } }
        return out
    }

    /// The mask as a COCO RLE of its frame.
    public var rle: RLE { RLE(rowMajorMask: rowMajor(), height: frameHeight, width: frameWidth) }
}
