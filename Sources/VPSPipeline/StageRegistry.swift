import Foundation
import VPSCore

/// One stage's settings as a pipeline gives them. A stage decodes them into
/// its `SettingsDecodable` type with `decode(_:)`; a test stage may read
/// single keys. Every read is checked: a wrong type is an error that names
/// the stage, the key and what it expects.
public struct StageSettings {
    public let stage: String
    public let values: [String: SettingValue]

    public init(stage: String, values: [String: SettingValue]) {
        self.stage = stage
        self.values = values
    }

    /// The setting `key` as `T`, or `d` when it is absent.
    private func read<T>(_ key: String, default d: T) throws -> T {
        values[key] == nil ? d : try SettingsDecoder.value(T.self, key, in: self)
    }

    /// The string under `key`, or `d`.
    public func string(_ key: String, default d: String) throws -> String { try read(key, default: d) }
    /// The whole number under `key`, or `d`.
    public func int(_ key: String, default d: Int) throws -> Int { try read(key, default: d) }
    /// The number (whole or not) under `key`, or `d`.
    public func double(_ key: String, default d: Double) throws -> Double { try read(key, default: d) }
    /// The boolean under `key`, or `d`.
    public func bool(_ key: String, default d: Bool) throws -> Bool { try read(key, default: d) }

    /// The settings (all but `excluded` keys) decoded as `T`, through a
    /// decoder that reads them by `SettingValue`'s rules: a value of the wrong
    /// kind is an error naming the stage, the key and what it must be;
    /// errors `T` throws itself pass through.
    public func decode<T: Decodable>(_ type: T.Type, excluding excluded: Set<String> = []) throws -> T {
        let kept = StageSettings(stage: stage, values: values.filter { !excluded.contains($0.key) })
        return try T(from: SettingsDecoder(settings: kept))
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

    /// A stage whose settings are `settings`: its keys are that type's, in order.
    public init<S: SettingsDecodable>(name: String, summary: String, settings: S.Type, builder: Builder) {
        self.init(name: name, summary: summary, keys: S.settingKeys, builder: builder)
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
