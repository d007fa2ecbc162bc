import Foundation
import VPSCore

/// Checked readers for values parsed by `JSONSerialization`.
///
/// Every number read from a file goes through these before it is converted:
/// a value that is absent or `null` reads as nil, and a value that is present
/// but of the wrong kind (a string, a fraction, ±1e308, NaN…) or outside the
/// range the caller allows throws `VPSError.unreadableInput` naming the
/// field, the value and the range, rather than trapping in a conversion.
enum JSONValues {
    /// The numeric value of `v` (NSNumber, Int or Double), nil when `v` is not a number.
    private static func number(_ v: Any) -> Double? {
        if let i = v as? Int { return Double(i) }
        if let d = v as? Double { return d }
        if let n = v as? NSNumber { return n.doubleValue }
        return nil
    }

    /// A whole number within `range`; nil when `v` is absent or null.
    /// - Parameters:
    ///   - field: names the value in the error, e.g. `"area" of a segment of 000000.png`.
    ///   - path: the file, for the error.
    static func int(_ v: Any?, _ field: @autoclosure () -> String, path: String,
                    in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
        guard let v, !(v is NSNull) else { return nil }
        // Exact integers first: a Double would round those above 2^53.
        if let i = v as? Int {
            guard range.contains(i) else { throw outOfRange(field(), "\(i)", range, path) }
            return i
        }
        guard let d = number(v) else {
            throw VPSError.unreadableInput(path: path, reason: "\(field()) is not a number")
        }
        guard let i = Int(exactly: d) else {
            throw VPSError.unreadableInput(path: path, reason: "\(field()) is \(d), expected a whole number\(describe(range))")
        }
        guard range.contains(i) else { throw outOfRange(field(), "\(d)", range, path) }
        return i
    }

    /// A finite number within `range`; nil when `v` is absent or null.
    static func double(_ v: Any?, _ field: @autoclosure () -> String, path: String,
                       in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) throws -> Double? {
        guard let v, !(v is NSNull) else { return nil }
        guard let d = number(v) else {
            throw VPSError.unreadableInput(path: path, reason: "\(field()) is not a number")
        }
        guard d.isFinite, range.contains(d) else {
            throw VPSError.unreadableInput(path: path, reason: "\(field()) is \(d), expected a number in \(range.lowerBound)…\(range.upperBound)")
        }
        return d
    }

    private static func describe(_ r: ClosedRange<Int>) -> String {
        switch (r.lowerBound, r.upperBound) {
        case (Int.min, Int.max): return ""
        case (let lo, Int.max): return " ≥ \(lo)"
        case (let lo, let hi): return " in \(lo)…\(hi)"
        }
    }

    private static func outOfRange(_ field: String, _ value: String, _ r: ClosedRange<Int>, _ path: String) -> VPSError {
        .unreadableInput(path: path, reason: "\(field) is \(value), out of range: expected a whole number\(describe(r))")
    }

    /// A category entry: `id` (1…`Category.maxId`), `name`, `isthing` (0/1 or a Bool, default 1).
    static func category(_ c: [String: Any], _ path: String) throws -> Category {
        guard let id = try int(c["id"], "a category's \"id\"", path: path, in: 1...Category.maxId) else {
            throw VPSError.unreadableInput(path: path, reason: "a category has no id")
        }
        let thing: Bool
        if let b = c["isthing"] as? Bool {
            thing = b
        } else {
            thing = (try int(c["isthing"], "\"isthing\" of category \(id)", path: path, in: 0...1) ?? 1) != 0
        }
        return Category(id: id, name: c["name"] as? String ?? "class\(id)", isThing: thing)
    }

    /// A COCO RLE object (`size` [h, w] and compressed or uncompressed `counts`);
    /// nil when `v` is not an object.
    static func rle(_ v: Any?, _ path: String) throws -> RLE? {
        guard let o = v as? [String: Any] else { return nil }
        guard let size = o["size"] as? [Any], size.count == 2,
              let h = try int(size[0], "an RLE's height", path: path, in: 0...RLE.maxSide),
              let w = try int(size[1], "an RLE's width", path: path, in: 0...RLE.maxSide) else {
            throw VPSError.unreadableInput(path: path, reason: "an RLE has no valid size")
        }
        guard h * w <= RLE.maxPixels else {
            throw VPSError.unreadableInput(path: path, reason: "an RLE of \(w)x\(h) is larger than \(RLE.maxPixels) pixels")
        }
        do {
            if let s = o["counts"] as? String { return try RLE(string: s, height: h, width: w) }
            if let a = o["counts"] as? [Any] {
                let counts = try a.map { v -> UInt32 in
                    guard let c = try int(v, "an RLE run", path: path, in: 0...Int(UInt32.max)) else {
                        throw VPSError.unreadableInput(path: path, reason: "an RLE run is null")
                    }
                    return UInt32(c)
                }
                return try RLE(height: h, width: w, checkedCounts: counts)
            }
        } catch VPSError.unreadableInput(path: "RLE", let reason) {
            throw VPSError.unreadableInput(path: path, reason: "an RLE of \(w)x\(h): \(reason)")
        }
        throw VPSError.unreadableInput(path: path, reason: "an RLE has no counts")
    }
}
