import Foundation
import VPSCore

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
/// A description may build on another with `base`, and then says only how
/// it differs:
///
/// ```yaml
/// name: per-frame
/// base: default          # a built-in pipeline, or a path to a .yaml file
/// without: [motion]      # stages of the base to leave out
/// stages:
///   - track: {method: greedy, motion_compensation: false}
/// ```
///
/// - `base` is a built-in pipeline's name (`default`), or, when it ends in
///   `.yaml` or `.yml` or holds a `/`, a YAML file, relative to the
///   directory of the file that names it. A base may itself have a base.
/// - The result is the base's stages, in the base's order, less every stage
///   named in `without`.
/// - Each entry of `stages` names a stage of the base (every stage of that
///   name) and merges its settings into it: a key the entry sets replaces
///   the base's, the base's other keys stay. An entry naming a stage the
///   base lacks adds that stage right after the stage the entry before it
///   names (so the first entry must name one of the base's); a `without`
///   name the base lacks is an error.
/// - `name` is the file's own (or its file name); `description` and
///   `queue_capacity` are the file's when it sets them, else the base's.
/// - An unknown base, a base that cannot be read, and a cycle of bases are
///   one-line `VPSError.invalidPipeline` errors.
///
/// Top-level keys other than these six, and malformed entries, are errors.
public struct PipelineSpec: Equatable, Sendable {
    public var name: String
    public var description: String?
    public var queueCapacity: Int
    public var stages: [StageSpec]

    public static let topLevelKeys = ["name", "description", "queue_capacity", "base", "without", "stages"]

    public init(name: String, description: String? = nil, queueCapacity: Int = 4, stages: [StageSpec]) {
        self.name = name
        self.description = description
        self.queueCapacity = queueCapacity
        self.stages = stages
    }

    /// Reads and parses a YAML file; a `base` names one of `builtins`
    /// (pipeline name → YAML text) or a file relative to this one's directory.
    public static func load(path: String, builtins: [String: String] = [:]) throws -> PipelineSpec {
        try InputFile.validate(path)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw VPSError.unreadableInput(path: path, reason: "not a UTF-8 text file")
        }
        return try resolve(PipelineDocument(file: path, text: text), builtins: builtins, chain: [])
    }

    /// Parses YAML text; `origin` names it in error messages. A `base` names
    /// one of `builtins` or a file relative to `directory` (nil: the current one).
    public static func parse(yaml: String, origin: String = "pipeline", directory: String? = nil,
                             builtins: [String: String] = [:]) throws -> PipelineSpec {
        let doc = PipelineDocument(text: yaml, origin: origin, directory: directory, identity: origin)
        return try resolve(doc, builtins: builtins, chain: [])
    }

    /// The built-in pipeline `name` of `builtins`, its base resolved.
    public static func builtin(_ name: String, in builtins: [String: String]) throws -> PipelineSpec {
        guard let doc = PipelineDocument(builtin: name, in: builtins) else {
            throw VPSError.invalidPipeline("no built-in pipeline '\(name)'; built-in pipelines: \(builtins.keys.sorted().joined(separator: ", "))")
        }
        return try resolve(doc, builtins: builtins, chain: [])
    }

    /// One YAML document, its base not yet applied.
    struct Parsed {
        var name: String
        var description: String?
        var queueCapacity: Int?
        var base: String?
        var without: [String]
        /// The stages; nil when the document has no `stages` key.
        var stages: [StageSpec]?
    }

    static func parseDocument(_ doc: PipelineDocument) throws -> Parsed {
        let origin = doc.origin
        let root = try BoundedYAML.load(doc.text, origin: origin)
        guard let map = root as? [String: Any] else {
            throw VPSError.invalidPipeline("\(origin): expected a mapping with keys \(topLevelKeys.joined(separator: ", "))")
        }
        for key in map.keys.sorted() where !topLevelKeys.contains(key) {
            throw VPSError.invalidPipeline("\(origin): unknown key '\(key)'; valid keys: \(topLevelKeys.joined(separator: ", "))")
        }
        let name = (map["name"] as? String) ?? URL(fileURLWithPath: origin).deletingPathExtension().lastPathComponent
        var capacity: Int?
        if let c = map["queue_capacity"] {
            guard let ci = c as? Int, ci >= 1, ci <= 1024 else {
                throw VPSError.invalidPipeline("\(origin): queue_capacity must be a whole number from 1 to 1024")
            }
            capacity = ci
        }
        var base: String?
        if let b = map["base"] {
            guard let bs = b as? String, !bs.isEmpty else {
                throw VPSError.invalidPipeline("\(origin): 'base' must be a built-in pipeline's name or a path to a .yaml file")
            }
            base = bs
        }
        var without: [String] = []
        if let w = map["without"] {
            guard let ws = w as? [String] else {
                throw VPSError.invalidPipeline("\(origin): 'without' must be a list of stage names")
            }
            guard base != nil else { throw VPSError.invalidPipeline("\(origin): 'without' needs a 'base'") }
            without = ws
        }
        var stages: [StageSpec]?
        if let list = map["stages"] {
            guard let entries = list as? [Any], base != nil || !entries.isEmpty else {
                throw VPSError.invalidPipeline("\(origin): 'stages' must be a non-empty list")
            }
            stages = try entries.enumerated().map { try stage($1, at: $0, origin: origin) }
        } else if base == nil {
            throw VPSError.invalidPipeline("\(origin): 'stages' must be a non-empty list")
        }
        return Parsed(name: name, description: map["description"] as? String, queueCapacity: capacity,
                      base: base, without: without, stages: stages)
    }

    /// Entry `i` of a `stages` list: a bare name or a one-key mapping `name: {settings}`.
    private static func stage(_ entry: Any, at i: Int, origin: String) throws -> StageSpec {
        if let bare = entry as? String { return StageSpec(name: bare) }
        guard let m = entry as? [String: Any], m.count == 1, let (stageName, body) = m.first else {
            throw VPSError.invalidPipeline("\(origin): stage \(i + 1) must be a name or a one-key mapping 'name: {settings}'")
        }
        var settings: [String: SettingValue] = [:]
        if let b = body as? [String: Any] {
            for (k, v) in b { settings[k] = try value(v, key: k, stage: stageName, origin: origin) }
        } else if !(body is NSNull) {  // `- decode:` with nothing after it is fine
            throw VPSError.invalidPipeline("\(origin): settings of stage '\(stageName)' must be a mapping")
        }
        return StageSpec(name: stageName, settings: settings)
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
