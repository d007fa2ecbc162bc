import Foundation
import VPSCore

/// The text of one pipeline description and where it came from, so that a
/// relative `base` path and a cycle of bases can be told.
struct PipelineDocument {
    var text: String
    /// Names the document in messages (a path, or "default.yaml (built in)").
    var origin: String
    /// Where a relative `base` path starts; nil: the current directory.
    var directory: String?
    /// Equal for two references to the same document (an absolute path, or
    /// "built-in NAME"), for finding cycles.
    var identity: String

    init(text: String, origin: String, directory: String?, identity: String) {
        self.text = text
        self.origin = origin
        self.directory = directory
        self.identity = identity
    }

    /// The file at `path` (as the user gave it, for messages), read as `text`.
    init(file path: String, text: String) {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        self.init(text: text, origin: path, directory: url.deletingLastPathComponent().path, identity: url.path)
    }

    /// The built-in pipeline `name`, or nil when `builtins` has none.
    init?(builtin name: String, in builtins: [String: String]) {
        guard let text = builtins[name] else { return nil }
        self.init(text: text, origin: "\(name).yaml (built in)", directory: nil, identity: "built-in \(name)")
    }

    /// Whether a `base` value is a path (it ends in .yaml or .yml, or holds
    /// a `/`) rather than a built-in pipeline's name.
    static func isPath(_ base: String) -> Bool {
        base.hasSuffix(".yaml") || base.hasSuffix(".yml") || base.contains("/")
    }

    /// The document that `base`, written in this one, names.
    func base(_ base: String, builtins: [String: String]) throws -> PipelineDocument {
        guard Self.isPath(base) else {
            guard let doc = PipelineDocument(builtin: base, in: builtins) else {
                let known = builtins.isEmpty ? "none are known here" : "built-in pipelines: \(builtins.keys.sorted().joined(separator: ", "))"
                throw VPSError.invalidPipeline("\(origin): unknown base '\(base)'; \(known) (or give a path to a .yaml file)")
            }
            return doc
        }
        let root = directory.map { URL(fileURLWithPath: $0, isDirectory: true) }
        let url = URL(fileURLWithPath: base, relativeTo: root).standardizedFileURL
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw VPSError.invalidPipeline("\(origin): base '\(base)' cannot be read as a UTF-8 text file (\(url.path))")
        }
        return PipelineDocument(file: url.path, text: text)
    }
}

extension PipelineSpec {
    /// The pipeline `doc` describes, with its base (and the base's base…)
    /// applied by the rules in `PipelineSpec`'s documentation. `chain` holds
    /// the documents that named `doc` as their base, outermost first.
    static func resolve(_ doc: PipelineDocument, builtins: [String: String], chain: [PipelineDocument]) throws -> PipelineSpec {
        let parsed = try parseDocument(doc)
        guard let baseName = parsed.base else {
            return PipelineSpec(name: parsed.name, description: parsed.description,
                                queueCapacity: parsed.queueCapacity ?? 4, stages: parsed.stages ?? [])
        }
        let baseDoc = try doc.base(baseName, builtins: builtins)
        let path = chain + [doc]
        if let start = path.firstIndex(where: { $0.identity == baseDoc.identity }) {
            let loop = (path[start...].map(\.origin) + [baseDoc.origin]).joined(separator: " → ")
            throw VPSError.invalidPipeline("\(path[0].origin): a cycle of bases: \(loop)")
        }
        var spec = try resolve(baseDoc, builtins: builtins, chain: path)
        let baseStages = spec.stages.map(\.name).joined(separator: ", ")
        for name in parsed.without {
            guard spec.stages.contains(where: { $0.name == name }) else {
                throw VPSError.invalidPipeline("\(doc.origin): 'without' names stage '\(name)', which base '\(baseName)' does not have (its stages: \(baseStages))")
            }
            spec.stages.removeAll { $0.name == name }
        }
        var previous: Int?  // where the entry before this one landed
        for entry in parsed.stages ?? [] {
            let matching = spec.stages.indices.filter { spec.stages[$0].name == entry.name }
            if matching.isEmpty {
                guard let p = previous else {
                    throw VPSError.invalidPipeline("\(doc.origin): stage '\(entry.name)' is not in base '\(baseName)' (its stages: \(spec.stages.map(\.name).joined(separator: ", "))); a new stage goes after the entry before it, so the first entry must name a stage of the base")
                }
                spec.stages.insert(entry, at: p + 1)
                previous = p + 1
                continue
            }
            for i in matching { spec.stages[i].settings.merge(entry.settings) { _, derived in derived } }
            previous = matching.last
        }
        spec.name = parsed.name
        if let d = parsed.description { spec.description = d }
        if let c = parsed.queueCapacity { spec.queueCapacity = c }
        return spec
    }
}
