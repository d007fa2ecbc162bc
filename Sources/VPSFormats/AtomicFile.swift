#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VPSCore

/// A buffered output file that appears under its final name only on success.
///
/// A thin buffered writer over the foundation's `AtomicOutput`: bytes go to its
/// hidden temporary name beside the destination; `commit()` flushes, closes and
/// renames it onto `path`. If the writer is dropped or `abandon()` is called
/// first, the temporary file is removed, so a failed run never leaves a partial
/// file under the final name.
public final class AtomicFile {
    public let path: String
    let output: AtomicOutput
    private var file: UnsafeMutablePointer<FILE>?

    public init(path: String) throws {
        self.path = path
        output = try AtomicOutput(path: path)
        // "r+b": the file AtomicOutput just created, never a new one (after an
        // abort swept it away, re-creating it would leave it behind).
        guard let f = fopen(output.temporaryPath, "r+b") else {
            output.discard()
            throw VPSError.outputNotWritable(path: path, reason: String(cString: strerror(errno)))
        }
        file = f
        setvbuf(f, nil, _IOFBF, 1 << 16)
    }

    deinit { abandon() }

    /// Appends UTF-8 text.
    public func write(_ s: String) throws {
        var s = s
        try s.withUTF8 { try write(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Appends raw bytes.
    public func write(bytes: UnsafeRawBufferPointer) throws {
        guard let f = file else { throw VPSError.internalFailure("write after commit to \(path)") }
        guard bytes.count > 0 else { return }
        if fwrite(bytes.baseAddress, 1, bytes.count, f) != bytes.count {
            throw VPSError.outputNotWritable(path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// Flushes, closes and renames the temporary file onto `path`.
    public func commit() throws {
        guard let f = file else { return }
        file = nil
        let failed = fflush(f) != 0 || ferror(f) != 0
        let reason = String(cString: strerror(errno))
        fclose(f)
        if failed {
            output.discard()
            throw VPSError.outputNotWritable(path: path, reason: reason)
        }
        try output.commit()
    }

    /// Closes and deletes the temporary file; `path` is left untouched.
    public func abandon() {
        guard let f = file else { return }
        file = nil
        fclose(f)
        output.discard()
    }

    /// The directory part of `path` ("." when it has none).
    public static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let d = String(path[..<slash])
        return d.isEmpty ? "/" : d
    }
}

/// Small file-system helpers shared by the writers and readers.
public enum FileSystem {
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// Creates `path` and its missing parents (like `mkdir -p`).
    public static func makeDirectory(_ path: String) throws {
        if isDirectory(path) { return }
        let parent = AtomicFile.parentDirectory(of: path)
        if parent != path && !parent.isEmpty && parent != "." { try makeDirectory(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw VPSError.outputNotWritable(path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// Names in a directory, sorted, without "." and "..".
    public static func list(_ path: String) throws -> [String] {
        guard let d = opendir(path) else {
            throw VPSError.fileNotFound(path: path)
        }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Reads a whole file.
    public static func read(_ path: String) throws -> [UInt8] {
        guard let f = fopen(path, "rb") else {
            if !exists(path) { throw VPSError.fileNotFound(path: path) }
            throw VPSError.unreadableInput(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buf.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n > 0 { out.append(contentsOf: buf[0..<n]) }
            if n < buf.count { break }
        }
        return out
    }

    /// Deletes a directory tree (used for scratch space only).
    public static func removeTree(_ path: String) {
        if isDirectory(path) {
            for n in (try? list(path)) ?? [] { removeTree(path + "/" + n) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
