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
        if let e = TemporaryFiles.shared.create(temporaryPath) {
            throw VPSError.outputNotWritable(path: path, reason: String(cString: strerror(e)))
        }
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
        try TemporaryFiles.shared.commit(temporaryPath) {
            guard rename(temporaryPath, finalPath) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporaryPath)
                throw VPSError.outputNotWritable(path: finalPath, reason: reason)
            }
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

/// Temporary outputs still open (files, and staging or scratch directories),
/// so that a hard exit (a second Ctrl-C) can remove them.
public final class TemporaryFiles: @unchecked Sendable {
    public static let shared = TemporaryFiles()
    private let lock = NSLock()
    private var paths = Set<String>()
    private var aborting = false

    /// Creates temporary file (or, with `directory`, folder) `p` and records
    /// it until `unregister`, both under the lock, so that `removeAll` either
    /// sees it or comes first and it is never made; returns errno on failure
    /// (`ECANCELED` after `removeAll`).
    public func create(_ p: String, directory: Bool = false) -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        guard !aborting else { return ECANCELED }
        if directory {
            guard mkdir(p, 0o755) == 0 else { return errno }
        } else {
            let fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { return errno }
            close(fd)
        }
        paths.insert(p)
        return nil
    }

    public func unregister(_ p: String) { lock.lock(); paths.remove(p); lock.unlock() }

    /// Publishes temporary `p` (e.g. renames a staging directory to its final
    /// name) and unregisters it, never while `removeAll` sweeps: a directory
    /// half-swept and then renamed would appear under its final name
    /// incomplete. After `removeAll`, `publish` is not run and this throws.
    public func commit(_ p: String, publish: () throws -> Void) throws {
        lock.lock()
        defer { lock.unlock() }
        guard !aborting else { throw VPSError.internalFailure("\(p): the run was aborted") }
        try publish()
        paths.remove(p)
    }

    /// Removes every registered temporary file and directory (with its
    /// contents). Writers may still be running and adding or renaming files,
    /// but no new temporary output can be created any more.
    public func removeAll() {
        lock.lock()
        defer { lock.unlock() }
        aborting = true
        for p in paths { Self.remove(p) }
        paths.removeAll()
    }

    /// Unlinks a file, or sweeps a directory until it is gone (a few passes at most).
    private static func remove(_ p: String) {
        if unlink(p) != 0 { for _ in 0..<8 where sweep(p) {} }
    }

    /// Removes a directory tree, ignoring entries that vanish meanwhile;
    /// returns whether `path` still exists.
    static func sweep(_ path: String) -> Bool {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
            let child = path + "/" + name
            if unlink(child) != 0 { _ = sweep(child) }
        }
        return rmdir(path) != 0 && errno != ENOENT
    }
}
