/// A set of chunk manifests checked to belong together: one video, one model,
/// one pipeline, one frame selection, and core ranges that tile the
/// selection with no hole and no frame owned twice. Sorted by core start.
public struct ChunkSet: Sendable {
    public let paths: [String]
    public let manifests: [ChunkManifest]

    /// Checks `manifests` (read from `paths`) and sorts them by core start.
    public init(paths: [String], manifests: [ChunkManifest]) throws {
        precondition(paths.count == manifests.count)
        guard let first = manifests.first else { throw StitchError.coverage("no manifests given") }
        for m in manifests.dropFirst() {
            if m.source.fingerprint != first.source.fingerprint || m.source.bytes != first.source.bytes || m.source.frames != first.source.frames {
                throw StitchError.mismatch(what: "video", first: Self.describe(first.source), other: Self.describe(m.source))
            }
            if m.model.sha256 != first.model.sha256 {
                throw StitchError.mismatch(what: "model", first: Self.describe(first.model), other: Self.describe(m.model))
            }
            if m.pipeline.sha256 != first.pipeline.sha256 {
                throw StitchError.mismatch(what: "pipeline", first: Self.describe(first.pipeline), other: Self.describe(m.pipeline))
            }
            if m.chunk.selection != first.chunk.selection {
                throw StitchError.mismatch(what: "frame selection",
                                           first: "\(first.chunk.selection.first)–\(first.chunk.selection.last)",
                                           other: "\(m.chunk.selection.first)–\(m.chunk.selection.last)")
            }
        }
        let order = manifests.indices.sorted { manifests[$0].chunk.core.first < manifests[$1].chunk.core.first }
        self.paths = order.map { paths[$0] }
        self.manifests = order.map { manifests[$0] }
        var next = first.chunk.selection.first
        for (k, m) in self.manifests.enumerated() {
            let c = m.chunk.core
            if c.first > next { throw StitchError.coverage("frames \(next)–\(c.first - 1) are in no chunk (missing a chunk before \(self.paths[k])?)") }
            if c.first < next {
                throw StitchError.coverage("frames \(c.first)–\(min(c.last, next - 1)) are owned by two chunks (\(self.paths[k - 1]) and \(self.paths[k]))")
            }
            next = c.last + 1
        }
        if next <= first.chunk.selection.last {
            throw StitchError.coverage("frames \(next)–\(first.chunk.selection.last) are in no chunk (missing the last chunk?)")
        }
    }

    /// Reads and checks the manifests at `paths`.
    public static func read(_ paths: [String]) throws -> ChunkSet {
        try ChunkSet(paths: paths, manifests: paths.map { try ChunkManifest.read($0) })
    }

    /// The frames of the stitched result.
    public var selection: Range<Int> { manifests[0].chunk.selection.range }

    static func describe(_ s: ChunkManifest.Source) -> String {
        "\(s.path.split(separator: "/").last.map(String.init) ?? s.path) (\(s.bytes) bytes, \(s.frames) frames)"
    }

    static func describe(_ f: ChunkManifest.Fingerprint) -> String {
        "\(f.name.split(separator: "/").last.map(String.init) ?? f.name) (sha256 \(f.sha256.prefix(12)))"
    }
}
