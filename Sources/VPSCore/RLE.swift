/// COCO run-length encoding of a binary mask, byte-compatible with pycocotools.
///
/// Runs are counted over the mask in column-major order (x outer, y inner),
/// starting with a run of zeros (possibly of length 0). `string` is the
/// compressed counts string that pycocotools' `rleToString` produces
/// (including its delta rule for runs with index > 2).
public struct RLE: Equatable, Hashable, Sendable {
    public var height: Int
    public var width: Int
    /// Alternating run lengths: zeros, ones, zeros, …
    public var counts: [UInt32]

    public init(height: Int, width: Int, counts: [UInt32]) {
        self.height = height
        self.width = width
        self.counts = counts
    }

    /// The largest height or width a file may declare for a mask.
    public static let maxSide = 1 << 16
    /// The largest pixel count (height × width) a file may declare for a mask (2²⁸).
    public static let maxPixels = 1 << 28

    /// Checks the size a file declares: 0…`maxSide` per side, at most `maxPixels` in all.
    static func checkSize(height: Int, width: Int) throws {
        guard (0...maxSide).contains(height), (0...maxSide).contains(width), height * width <= maxPixels else {
            throw VPSError.unreadableInput(path: "RLE", reason: "size \(width)x\(height) is out of range (at most \(maxSide) per side, \(maxPixels) pixels)")
        }
    }

    /// Uncompressed counts read from a file: the size is checked, and the
    /// runs must cover exactly height × width pixels.
    public init(height: Int, width: Int, checkedCounts counts: [UInt32]) throws {
        try Self.checkSize(height: height, width: width)
        let total = counts.reduce(0) { $0 + Int($1) }
        guard total == height * width else {
            throw VPSError.unreadableInput(path: "RLE", reason: "runs cover \(total) pixels, expected \(height)x\(width)")
        }
        self.init(height: height, width: width, counts: counts)
    }

    /// Encodes a row-major mask (`mask[y * width + x]`, nonzero = foreground).
    public init(rowMajorMask mask: [UInt8], height: Int, width: Int) {
        precondition(mask.count == height * width, "mask size does not match \(width)x\(height)")
        var counts: [UInt32] = []
        var current: UInt8 = 0
        var run: UInt32 = 0
        for x in 0..<width {
            var i = x
            for _ in 0..<height {
                let v: UInt8 = mask[i] != 0 ? 1 : 0
                if v != current {
                    counts.append(run)
                    run = 0
                    current = v
                }
                run += 1
                i += width
            }
        }
        counts.append(run)
        self.init(height: height, width: width, counts: counts)
    }

    /// Decodes to a row-major mask of 0/1 bytes.
    public func rowMajorMask() -> [UInt8] {
        var mask = [UInt8](repeating: 0, count: height * width)
        var pos = 0 // column-major position
        var value: UInt8 = 0
        for c in counts {
            if value == 1 {
                for p in pos..<(pos + Int(c)) {
                    let x = p / height, y = p % height
                    mask[y * width + x] = 1
                }
            }
            pos += Int(c)
            value ^= 1
        }
        return mask
    }

    /// Number of foreground pixels.
    public var area: Int {
        var a = 0
        var i = 1
        while i < counts.count { a += Int(counts[i]); i += 2 }
        return a
    }

    /// The pycocotools compressed counts string.
    public var string: String {
        var out: [UInt8] = []
        out.reserveCapacity(counts.count * 2)
        for i in 0..<counts.count {
            var x = Int64(counts[i])
            if i > 2 { x -= Int64(counts[i - 2]) }
            var more = true
            while more {
                var c = UInt8(truncatingIfNeeded: x & 0x1f)
                x >>= 5
                more = (c & 0x10) != 0 ? x != -1 : x != 0
                if more { c |= 0x20 }
                out.append(c + 48)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses a pycocotools compressed counts string of a `height × width`
    /// mask (the size is checked as in `init(height:width:checkedCounts:)`).
    public init(string: String, height: Int, width: Int) throws {
        try Self.checkSize(height: height, width: width)
        let s = Array(string.utf8)
        var counts: [UInt32] = []
        var p = 0
        while p < s.count {
            var x: Int64 = 0
            var k: Int64 = 0
            var more = true
            while more {
                guard p < s.count, s[p] >= 48, s[p] < 48 + 64 else {
                    throw VPSError.unreadableInput(path: "RLE", reason: "malformed compressed counts string")
                }
                let c = Int64(s[p] - 48)
                x |= (c & 0x1f) << (5 * k)
                more = (c & 0x20) != 0
                p += 1
                k += 1
                if !more && (c & 0x10) != 0 { x |= -1 << (5 * k) }
                if k > 12 { throw VPSError.unreadableInput(path: "RLE", reason: "run length overflows") }
            }
            if counts.count > 2 { x += Int64(counts[counts.count - 2]) }
            guard x >= 0, x <= Int64(UInt32.max) else {
                throw VPSError.unreadableInput(path: "RLE", reason: "negative or oversized run")
            }
            counts.append(UInt32(x))
        }
        let total = counts.reduce(0) { $0 + Int($1) }
        guard total == height * width else {
            throw VPSError.unreadableInput(path: "RLE", reason: "runs cover \(total) pixels, expected \(height)x\(width)")
        }
        self.init(height: height, width: width, counts: counts)
    }
}
