/// Text from a file (names, keys, values) made safe for a one-line message.
public enum OneLine {
    /// The most characters `of` keeps: the start and the end, with " … " between.
    public static let limit = 400

    /// `text` as one printable line: control characters (newline, tab, escape…)
    /// written as `\n`, `\t` or `\u{1b}`, and an overlong text shortened in
    /// the middle to `limit` characters.
    public static func of(_ text: String, limit: Int = limit) -> String {
        var out = ""
        for ch in text.unicodeScalars {
            switch ch {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if ch.properties.generalCategory == .control || ch == "\u{2028}" || ch == "\u{2029}" || ch == "\u{85}" {
                    out += "\\u{" + String(ch.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(ch)
                }
            }
        }
        guard out.count > limit else { return out }
        let tail = limit / 4
        return String(out.prefix(limit - tail - 3)) + " … " + String(out.suffix(tail))
    }
}
