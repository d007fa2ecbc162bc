import VPSCore

/// Helpers for writing JSON text by hand, so that writers can stream.
public enum JSONText {
    /// A JSON string literal with the required escapes.
    public static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// A number as JSON: integers without a fraction, others with up to 17 significant digits.
    public static func number(_ x: Double) -> String {
        guard x.isFinite else { return "null" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }

    /// `{"size":[h,w],"counts":"…"}` of a compressed RLE.
    public static func rle(_ r: RLE) -> String {
        "{\"size\":[\(r.height),\(r.width)],\"counts\":\(string(r.string))}"
    }

    /// `[{"id", "name", "isthing"}, …]`, with `"color": [r, g, b]` (COCO panoptic) when `colors` is set.
    public static func categories(_ cats: [Category], colors: Bool = false) -> String {
        "[" + cats.map { c in
            let color = colors ? ",\"color\":\(intArray(c.color))" : ""
            return "{\"id\":\(c.id),\"name\":\(string(c.name)),\"isthing\":\(c.isThing ? 1 : 0)\(color)}"
        }.joined(separator: ",") + "]"
    }

    public static func intArray(_ a: [Int]) -> String { "[" + a.map(String.init).joined(separator: ",") + "]" }
}
