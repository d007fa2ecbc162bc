import Foundation

/// Checks a user-supplied input path before any library touches it, so the
/// user gets one clear line instead of a decoder's error code.
public enum InputFile {
    /// Throws `VPSError.fileNotFound` or `.emptyFile` or `.unreadableInput`
    /// for a missing file, a directory, an empty file or an unreadable one.
    public static func validate(_ path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw VPSError.fileNotFound(path: path)
        }
        guard !isDir.boolValue else {
            throw VPSError.unreadableInput(path: path, reason: "is a directory, not a file")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw VPSError.unreadableInput(path: path, reason: "permission denied")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        guard size > 0 else { throw VPSError.emptyFile(path: path) }
    }
}

/// An output written under a temporary name in the destination's folder and
/// renamed onto the final name only when `commit()` is called.
///
/// Nothing half-written ever sits under the final name: an error, a crash or
/// an interrupt leaves at most a hidden `.NAME.partial-PID` file, which
/// `discard()` (and `deinit`, if neither was called) removes.
public final class AtomicOutput {
    /// The path the user asked for.
    public let finalPath: String
    /// Where bytes are written until `commit()`.
    public let temporaryPath: String
    private var done = false

    /// Validates the destination and reserves a temporary name beside it.
    public init(path: String) throws {
        try Self.checkParent(path)
        finalPath = path
        temporaryPath = Self.temporaryName(for: path)
        // Probe writability now, so the error comes before any work is done.
        guard FileManager.default.createFile(atPath: temporaryPath, contents: nil) else {
            let reason = String(cString: strerror(errno))
            throw VPSError.outputNotWritable(path: path, reason: reason)
        }
        TemporaryFiles.shared.register(temporaryPath)
    }

    /// Checks, without leaving anything behind, that `path` could be written:
    /// its folder exists, it is not a directory, and a file can be created there.
    public static func validateDestination(_ path: String) throws {
        let out = try AtomicOutput(path: path)
        out.discard()
    }

    private static func temporaryName(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())").path
    }

    private static func checkParent(_ path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) else {
            throw VPSError.outputDirectoryMissing(path: dir)
        }
        guard isDir.boolValue else {
            throw VPSError.outputNotWritable(path: path, reason: "\(dir) is not a directory")
        }
        var targetIsDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &targetIsDir), targetIsDir.boolValue {
            throw VPSError.outputNotWritable(path: path, reason: "it is an existing directory")
        }
    }

    /// Moves the temporary file onto the final name.
    public func commit() throws {
        precondition(!done, "AtomicOutput committed or discarded twice")
        done = true
        TemporaryFiles.shared.unregister(temporaryPath)
        guard rename(temporaryPath, finalPath) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw VPSError.outputNotWritable(path: finalPath, reason: reason)
        }
    }

    /// Removes the temporary file; the final name is left untouched.
    public func discard() {
        guard !done else { return }
        done = true
        TemporaryFiles.shared.unregister(temporaryPath)
        unlink(temporaryPath)
    }

    deinit { discard() }
}

/// Temporary outputs still open, so that a hard exit (a second Ctrl-C) can
/// remove them.
public final class TemporaryFiles: @unchecked Sendable {
    public static let shared = TemporaryFiles()
    private let lock = NSLock()
    private var paths = Set<String>()

    func register(_ p: String) { lock.lock(); paths.insert(p); lock.unlock() }
    func unregister(_ p: String) { lock.lock(); paths.remove(p); lock.unlock() }

    /// Unlinks every registered temporary file.
    public func removeAll() {
        lock.lock(); let ps = paths; paths.removeAll(); lock.unlock()
        for p in ps { unlink(p) }
    }
}
