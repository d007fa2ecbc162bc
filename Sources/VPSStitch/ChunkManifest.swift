import Foundation
import VPSCore
import VPSFormats

/// What one chunk of a video run wrote, and from what: the JSON that
/// `vps annotate --segment K/N` writes beside its first export and that
/// `vps stitch` reads.
///
/// Frame ranges are source frame indices from 0, `first` and `last`
/// inclusive. Paths are relative to the manifest's folder when the file lies
/// inside it, absolute otherwise.
public struct ChunkManifest: Codable, Equatable, Sendable {
    /// An inclusive range of source frames.
    public struct Frames: Codable, Equatable, Sendable {
        public var first: Int
        public var last: Int
        public init(_ r: Range<Int>) { first = r.lowerBound; last = r.upperBound - 1 }
        public var range: Range<Int> { first..<(last + 1) }
    }

    /// The source video.
    public struct Source: Codable, Equatable, Sendable {
        public var path: String
        public var bytes: Int
        /// Frames in the whole video (counted from its packets).
        public var frames: Int
        public var width: Int
        public var height: Int
        /// SHA-256 of the file size, its first MiB and its last MiB (`SourceFingerprint`).
        public var fingerprint: String
        public init(path: String, bytes: Int, frames: Int, width: Int, height: Int, fingerprint: String) {
            self.path = path; self.bytes = bytes; self.frames = frames
            self.width = width; self.height = height; self.fingerprint = fingerprint
        }
    }

    /// Which chunk this is.
    public struct Chunk: Codable, Equatable, Sendable {
        /// From 1.
        public var index: Int
        public var count: Int
        public var overlap: Int
        /// All frames selected for the run (`--start`, `--frames`), split among the chunks.
        public var selection: Frames
        /// The frames this chunk owns: in stitched output they come from this chunk.
        public var core: Frames
        /// The frames this chunk processed and exported: core plus overlap.
        public var frames: Frames
        public init(index: Int, count: Int, overlap: Int, selection: Frames, core: Frames, frames: Frames) {
            self.index = index; self.count = count; self.overlap = overlap
            self.selection = selection; self.core = core; self.frames = frames
        }
    }

    /// A file and its SHA-256.
    public struct Fingerprint: Codable, Equatable, Sendable {
        public var name: String
        public var sha256: String
        public init(name: String, sha256: String) { self.name = name; self.sha256 = sha256 }
    }

    /// One export of the chunk.
    public struct Export: Codable, Equatable, Sendable {
        public var path: String
        public var format: String
        public init(path: String, format: String) { self.path = path; self.format = format }
    }

    public var version: Int
    public var tool: String
    public var source: Source
    public var chunk: Chunk
    /// The model checkpoint.
    public var model: Fingerprint
    /// The resolved pipeline (see `PipelineFingerprint` in the commands).
    public var pipeline: Fingerprint
    /// The annotated video: the core frames only, so that chunks join end to end.
    public var video: String?
    public var exports: [Export]

    public static let currentVersion = 1

    public init(tool: String, source: Source, chunk: Chunk, model: Fingerprint, pipeline: Fingerprint,
                video: String?, exports: [Export]) {
        version = Self.currentVersion
        self.tool = tool; self.source = source; self.chunk = chunk
        self.model = model; self.pipeline = pipeline; self.video = video; self.exports = exports
    }

    /// The default manifest path for a chunk whose first output is `path`.
    public static func defaultPath(besides path: String) -> String {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p + ".manifest.json"
    }

    /// Writes the manifest to `path` under a temporary name, renamed on success.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(self)
        let out = try AtomicFile(path: path)
        try out.write(String(decoding: data, as: UTF8.self) + "\n")
        try out.commit()
    }

    /// Reads a manifest; a missing or malformed one is a `StitchError.badManifest`.
    public static func read(_ path: String) throws -> ChunkManifest {
        let bytes: [UInt8]
        do { bytes = try FileSystem.read(path) } catch {
            throw StitchError.badManifest(path: path, reason: FileSystem.exists(path) ? "unreadable" : "no such file")
        }
        let m: ChunkManifest
        do { m = try JSONDecoder().decode(ChunkManifest.self, from: Data(bytes)) } catch let DecodingError.keyNotFound(key, _) {
            throw StitchError.badManifest(path: path, reason: "no \"\(key.stringValue)\" field")
        } catch {
            throw StitchError.badManifest(path: path, reason: "not a vps chunk manifest (invalid JSON or wrong field types)")
        }
        guard m.version == currentVersion else {
            throw StitchError.badManifest(path: path, reason: "version \(m.version); this vps reads version \(currentVersion)")
        }
        let c = m.chunk
        guard c.count >= 1, (1...c.count).contains(c.index), c.core.first <= c.core.last,
              c.frames.first <= c.core.first, c.frames.last >= c.core.last else {
            throw StitchError.badManifest(path: path, reason: "inconsistent chunk ranges")
        }
        return m
    }

    /// `path` as stored in a manifest at `manifestPath`: relative when inside its folder.
    public static func stored(_ path: String, manifestPath: String) -> String {
        let base = absolute(AtomicFile.parentDirectory(of: manifestPath))
        let target = absolute(path)
        return target.hasPrefix(base + "/") ? String(target.dropFirst(base.count + 1)) : target
    }

    /// A path read from the manifest at `manifestPath`, made usable from the current folder.
    public static func resolved(_ path: String, manifestPath: String) -> String {
        path.hasPrefix("/") ? path : AtomicFile.parentDirectory(of: manifestPath) + "/" + path
    }

    public static func absolute(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.path }
}

/// A cheap identity of a video file that does not depend on where it is
/// mounted: SHA-256 over its size, its first MiB and its last MiB. Chunks on
/// different machines compare it instead of hashing the whole video.
public enum SourceFingerprint {
    public static func of(_ path: String) throws -> (bytes: Int, sha256: String) {
        guard let f = fopen(path, "rb") else { throw VPSError.fileNotFound(path: path) }
        defer { fclose(f) }
        fseeko(f, 0, SEEK_END)
        let size = Int(ftello(f))
        var hash = SHA256()
        hash.update(Array("\(size)\n".utf8))
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        for offset in [0, max(0, size - (1 << 20))] {
            fseeko(f, off_t(offset), SEEK_SET)
            let n = buf.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            buf.withUnsafeBytes { hash.update(buffer: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return (size, hash.hexDigest())
    }
}
