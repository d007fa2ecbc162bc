import Foundation
import VPSCore
import Yams

/// A value in a stage's settings.
public enum SettingValue: Equatable, Sendable, CustomStringConvertible {
    case string(String), int(Int), double(Double), bool(Bool)

    public var description: String {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .bool(let b): return String(b)
        }
    }
}

/// One entry of a pipeline's `stages` list: a stage name and its settings.
public struct StageSpec: Equatable, Sendable {
    public var name: String
    public var settings: [String: SettingValue]

    public init(name: String, settings: [String: SettingValue] = [:]) {
        self.name = name
        self.settings = settings
    }
}

/// A pipeline description, as written in `pipelines/*.yaml`:
///
/// ```yaml
/// name: flow
/// description: colour-coded motion maps
/// queue_capacity: 4
/// stages:
///   - decode: {}
///   - motion: {method: dis, preset: fast, scale: 1.0}
///   - render: {mode: flow}
///   - encode: {preset: veryfast, crf: 20}
/// ```
///
/// Top-level keys other than these four, and malformed entries, are errors.
public struct PipelineSpec: Equatable, Sendable {
    public var name: String
    public var description: String?
    public var queueCapacity: Int
    public var stages: [StageSpec]

    public static let topLevelKeys = ["name", "description", "queue_capacity", "stages"]

    public init(name: String, description: String? = nil, queueCapacity: Int = 4, stages: [StageSpec]) {
        self.name = name
        self.description = description
        self.queueCapacity = queueCapacity
        self.stages = stages
    }

    /// Reads and parses a YAML file.
    public static func load(path: String) throws -> PipelineSpec {
        try InputFile.validate(path)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw VPSError.unreadableInput(path: path, reason: "not a UTF-8 text file")
        }
        return try parse(yaml: text, origin: path)
    }

    /// Parses YAML text; `origin` names it in error messages.
    public static func parse(yaml: String, origin: String = "pipeline") throws -> PipelineSpec {
        // Yams builds nodes recursively; deep nesting would overflow the stack.
        guard nestingBound(yaml) <= maxNesting else {
            throw VPSError.invalidPipeline("\(origin): nested more than \(maxNesting) levels deep")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            let first = "\(error)".split(separator: "\n").first.map(String.init) ?? "syntax error"
            throw VPSError.invalidPipeline("\(origin): YAML \(first)")
        }
        var budget = maxNodes
        let root = try node.map { try plain($0, budget: &budget, origin: origin) }
        guard let map = root as? [String: Any] else {
            throw VPSError.invalidPipeline("\(origin): expected a mapping with keys \(topLevelKeys.joined(separator: ", "))")
        }
        for key in map.keys.sorted() where !topLevelKeys.contains(key) {
            throw VPSError.invalidPipeline("\(origin): unknown key '\(key)'; valid keys: \(topLevelKeys.joined(separator: ", "))")
        }
        let name = (map["name"] as? String) ?? URL(fileURLWithPath: origin).deletingPathExtension().lastPathComponent
        var capacity = 4
        if let c = map["queue_capacity"] {
            guard let ci = c as? Int, ci >= 1, ci <= 1024 else {
                throw VPSError.invalidPipeline("\(origin): queue_capacity must be a whole number from 1 to 1024")
            }
            capacity = ci
        }
        guard let list = map["stages"] as? [Any], !list.isEmpty else {
            throw VPSError.invalidPipeline("\(origin): 'stages' must be a non-empty list")
        }
        var stages: [StageSpec] = []
        for (i, entry) in list.enumerated() {
            if let bare = entry as? String {
                stages.append(StageSpec(name: bare))
                continue
            }
            guard let m = entry as? [String: Any], m.count == 1, let (stageName, body) = m.first else {
                throw VPSError.invalidPipeline("\(origin): stage \(i + 1) must be a name or a one-key mapping 'name: {settings}'")
            }
            var settings: [String: SettingValue] = [:]
            if let b = body as? [String: Any] {
                for (k, v) in b { settings[k] = try value(v, key: k, stage: stageName, origin: origin) }
            } else if !(body is NSNull) {  // `- decode:` with nothing after it is fine
                throw VPSError.invalidPipeline("\(origin): settings of stage '\(stageName)' must be a mapping")
            }
            stages.append(StageSpec(name: stageName, settings: settings))
        }
        return PipelineSpec(name: name, description: map["description"] as? String, queueCapacity: capacity, stages: stages)
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
    private static func plain(_ node: Node, budget: inout Int, origin: String) throws -> Any {
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

    private static func value(_ v: Any, key: String, stage: String, origin: String) throws -> SettingValue {
        switch v {
        case let b as Bool: return .bool(b)
        case let i as Int: return .int(i)
        case let d as Double: return .double(d)
        case let s as String: return .string(s)
        default:
            throw VPSError.invalidPipeline("\(origin): setting '\(key)' of stage '\(stage)' must be a string, number or boolean")
        }
    }

    /// Sets `key` in every stage named `stage` (for command-line overrides).
    /// Returns false when the pipeline has no such stage.
    @discardableResult
    public mutating func override(stage: String, key: String, value: SettingValue) -> Bool {
        var found = false
        for i in stages.indices where stages[i].name == stage {
            stages[i].settings[key] = value
            found = true
        }
        return found
    }
}
