import Foundation
import VPSCore

/// Typed access to one stage's settings, with defaults. Every read is checked:
/// a wrong type is an error that names the stage, the key and what it expects.
public struct StageSettings {
    public let stage: String
    public let values: [String: SettingValue]

    public init(stage: String, values: [String: SettingValue]) {
        self.stage = stage
        self.values = values
    }

    private func wrong(_ key: String, _ expected: String) -> VPSError {
        .invalidPipeline("setting '\(key)' of stage '\(stage)' must be \(expected), got '\(values[key]!)'")
    }

    public func string(_ key: String, default d: String) throws -> String {
        guard let v = values[key] else { return d }
        if case .string(let s) = v { return s }
        throw wrong(key, "a string")
    }

    public func int(_ key: String, default d: Int) throws -> Int {
        guard let v = values[key] else { return d }
        if case .int(let i) = v { return i }
        throw wrong(key, "a whole number")
    }

    public func double(_ key: String, default d: Double) throws -> Double {
        guard let v = values[key] else { return d }
        switch v {
        case .double(let x): return x
        case .int(let i): return Double(i)
        default: throw wrong(key, "a number")
        }
    }

    public func optionalDouble(_ key: String) throws -> Double? {
        values[key] == nil ? nil : try double(key, default: 0)
    }

    /// The settings (all but `excluded` keys) decoded as `T` from their JSON
    /// form, for a stage whose settings are a `Decodable` config. A type
    /// mismatch names the key; errors `T` throws itself pass through.
    public func decode<T: Decodable>(_ type: T.Type, excluding excluded: Set<String> = []) throws -> T {
        var json: [String: Any] = [:]
        for (k, v) in values where !excluded.contains(k) {
            switch v {
            case .string(let s): json[k] = s
            case .int(let i): json[k] = i
            case .double(let d): json[k] = d
            case .bool(let b): json[k] = b
            }
        }
        do {
            return try JSONDecoder().decode(T.self, from: try JSONSerialization.data(withJSONObject: json))
        } catch DecodingError.typeMismatch(_, let ctx), DecodingError.dataCorrupted(let ctx) {
            let key = ctx.codingPath.last?.stringValue ?? "?"
            throw VPSError.invalidPipeline("setting '\(key)' of stage '\(stage)' has the wrong type, got '\(values[key].map { "\($0)" } ?? "?")'")
        }
    }

    public func bool(_ key: String, default d: Bool) throws -> Bool {
        guard let v = values[key] else { return d }
        if case .bool(let b) = v { return b }
        throw wrong(key, "true or false")
    }
}

/// A typed slot in a `BuildContext` for an object a command built before the
/// pipeline (e.g. a loaded model), which a builder then uses instead of
/// building its own from its settings.
public protocol BuildResourceKey {
    associatedtype Value
}

/// What builders may need beyond their settings: the command's input and
/// output, objects the command built, and facts the source learns (frame
/// rate) for later stages.
public final class BuildContext {
    public var input: String
    public var output: String?
    public var selection: FrameSelection
    /// Worker threads requested with `--threads` (0 = library defaults).
    public var threads: Int
    /// Set by the source when it is built: the stream's nominal frame rate.
    public var frameRate: Rational?
    private var resources: [ObjectIdentifier: Any] = [:]

    /// The object a command stored under `key`, if any.
    public subscript<K: BuildResourceKey>(_ key: K.Type) -> K.Value? {
        get { resources[ObjectIdentifier(key)] as? K.Value }
        set { resources[ObjectIdentifier(key)] = newValue }
    }

    public init(input: String, output: String? = nil, selection: FrameSelection = .all, threads: Int = 0) {
        self.input = input
        self.output = output
        self.selection = selection
        self.threads = threads
    }
}

/// One entry of the stage table: a name, its settings, and how to build it.
public struct StageDefinition {
    public enum Builder {
        case source((StageSettings, BuildContext) throws -> FrameSource)
        case stage((StageSettings, BuildContext) throws -> Stage)
    }

    public var name: String
    public var summary: String
    /// Every setting the stage accepts.
    public var keys: [String]
    public var builder: Builder

    public init(name: String, summary: String, keys: [String], builder: Builder) {
        self.name = name
        self.summary = summary
        self.keys = keys
        self.builder = builder
    }
}

/// The stage table that `pipelines/*.yaml` refers to, mapping names to builders.
public struct StageRegistry {
    public private(set) var definitions: [StageDefinition]

    public init(_ definitions: [StageDefinition]) {
        self.definitions = definitions
    }

    public var names: [String] { definitions.map(\.name) }

    /// The definition of `entry`'s stage, once its name and every setting key
    /// are known to it; otherwise `VPSError.invalidPipeline` listing the valid
    /// ones (prefixed with `pipeline`, the pipeline's name).
    public func definition(for entry: StageSpec, in pipeline: String) throws -> StageDefinition {
        guard let def = definitions.first(where: { $0.name == entry.name }) else {
            throw VPSError.invalidPipeline("\(pipeline): unknown stage '\(entry.name)'; valid stages: \(names.joined(separator: ", "))")
        }
        for key in entry.settings.keys.sorted() where !def.keys.contains(key) {
            let valid = def.keys.isEmpty ? "it takes none" : "valid: \(def.keys.joined(separator: ", "))"
            throw VPSError.invalidPipeline("\(pipeline): stage '\(entry.name)' has no setting '\(key)'; \(valid)")
        }
        return def
    }

    /// Builds and checks a pipeline from its description: unknown stages or
    /// settings, a first entry that is not a source, a source anywhere else,
    /// and unmet stage requirements are all `VPSError.invalidPipeline`.
    public func build(_ spec: PipelineSpec, context: BuildContext) throws -> Pipeline {
        var source: FrameSource?
        var stages: [Stage] = []
        for (i, entry) in spec.stages.enumerated() {
            let def = try definition(for: entry, in: spec.name)
            let settings = StageSettings(stage: entry.name, values: entry.settings)
            switch def.builder {
            case .source(let make):
                guard i == 0 else {
                    throw VPSError.invalidPipeline("\(spec.name): '\(entry.name)' is a source and must come first")
                }
                source = try make(settings, context)
            case .stage(let make):
                guard i > 0 else {
                    let sources = definitions.filter { if case .source = $0.builder { return true }; return false }.map(\.name)
                    throw VPSError.invalidPipeline("\(spec.name): the first stage must be a source (\(sources.joined(separator: ", ")))")
                }
                stages.append(try make(settings, context))
            }
        }
        guard let source else { throw VPSError.invalidPipeline("\(spec.name): no source stage") }
        return try Pipeline(source: source, stages: stages)
    }
}
