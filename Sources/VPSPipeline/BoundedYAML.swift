import Foundation
import VPSCore
import Yams

/// Reads a pipeline's YAML into plain values within fixed bounds, so that a
/// hostile file is a one-line error, never a stack overflow or a hang: the
/// nesting is bounded before Yams sees the text (Yams builds nodes
/// recursively), and every node visited, aliases expanded, spends a budget.
enum BoundedYAML {
    /// The YAML text as plain values (see `plain`); nil for an empty document.
    static func load(_ text: String, origin: String) throws -> Any? {
        guard nestingBound(text) <= maxNesting else {
            throw VPSError.invalidPipeline("\(origin): nested more than \(maxNesting) levels deep")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            let first = "\(error)".split(separator: "\n").first.map(String.init) ?? "syntax error"
            throw VPSError.invalidPipeline("\(origin): YAML \(first)")
        }
        var budget = maxNodes
        return try node.map { try plain($0, budget: &budget, origin: origin) }
    }

    /// The deepest nesting `nestingBound` may report for a pipeline.
    static let maxNesting = 200

    /// An upper bound of the YAML's nesting depth: the deepest run of open
    /// flow brackets (`[`, `{`, counted even inside quotes and comments) plus
    /// the most indentation and leading `- `/`? ` indicators of any line.
    static func nestingBound(_ text: String) -> Int {
        var flow = 0, maxFlow = 0, maxBlock = 0
        var lineBlock = 0, atLineStart = true
        for c in text.utf8 {
            switch c {
            case UInt8(ascii: "["), UInt8(ascii: "{"): flow += 1; maxFlow = max(maxFlow, flow)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): flow = max(flow - 1, 0)
            case 0x0a, 0x0d: lineBlock = 0; atLineStart = true; continue
            default: break
            }
            if atLineStart, c == UInt8(ascii: " ") || c == UInt8(ascii: "-") || c == UInt8(ascii: "?") || c == 0x09 {
                lineBlock += 1
                maxBlock = max(maxBlock, lineBlock)
            } else {
                atLineStart = false
            }
        }
        return maxFlow + maxBlock
    }

    /// The most YAML nodes a pipeline may expand to (aliases count each time they are used).
    static let maxNodes = 100_000

    /// A YAML node as plain values: scalars resolved by their tags (Int,
    /// Double, Bool, String, NSNull), `[Any]` and `[String: Any]`. Mapping keys
    /// must be scalars. Each node visited spends one unit of `budget`, so
    /// aliases nested in aliases cannot expand without bound.
    static func plain(_ node: Node, budget: inout Int, origin: String) throws -> Any {
        budget -= 1
        guard budget >= 0 else {
            throw VPSError.invalidPipeline("\(origin): more than \(maxNodes) YAML nodes (with aliases expanded)")
        }
        switch node {
        case .scalar(let scalar):
            return try value(of: scalar, origin: origin)
        case .sequence(let seq):
            return try seq.map { try plain($0, budget: &budget, origin: origin) }
        case .mapping(let map):
            var out: [String: Any] = [:]
            for (k, v) in map {
                guard case .scalar(let key) = k else {
                    throw VPSError.invalidPipeline("\(origin): a mapping key is not a plain string\(k.mark.map { " (line \($0.line))" } ?? "")")
                }
                out[key.string] = try plain(v, budget: &budget, origin: origin)
            }
            return out
        }
    }

    /// A scalar by the type Yams resolved for it (null, bool, int, float,
    /// else string), read with Swift's own parsers: Yams' constructors trap on
    /// some inputs (a base-60 integer such as `3:3:3:…:13` that overflows).
    private static func value(of scalar: Node.Scalar, origin: String) throws -> Any {
        let text = scalar.string
        func unreadable() -> VPSError { .invalidPipeline("\(origin): cannot read '\(text)' as a number") }
        switch Tag.Name(rawValue: Node.scalar(scalar).tag.description) {  // the tag its resolver gives it
        case .null:
            return NSNull()
        case .bool:
            return ["true", "yes", "on"].contains(text.lowercased())
        case .int:
            let digits = text.replacingOccurrences(of: "_", with: "")
            if let i = Int(digits) { return i }
            for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where digits.lowercased().hasPrefix(prefix) {
                if let i = Int(digits.dropFirst(2), radix: radix) { return i }
            }
            throw unreadable()
        case .float:
            let t = text.replacingOccurrences(of: "_", with: "").lowercased()
            switch t {
            case ".inf", "+.inf": return Double.infinity
            case "-.inf": return -Double.infinity
            case ".nan": return Double.nan
            default: if let d = Double(t) { return d }
            }
            throw unreadable()
        default:
            return text
        }
    }
}
