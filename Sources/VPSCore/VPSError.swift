/// Every failure vps reports to a user.
///
/// Each case carries what the user needs to act on it; `description` is the
/// one line printed on stderr. Bad input or arguments exit with code 1,
/// internal failures with code 2 (see PRODUCT.md).
public enum VPSError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The input path does not exist.
    case fileNotFound(path: String)
    /// The input exists but holds zero bytes.
    case emptyFile(path: String)
    /// FFmpeg (or another reader) could not make sense of the input.
    case unreadableInput(path: String, reason: String)
    /// The output's parent directory does not exist.
    case outputDirectoryMissing(path: String)
    /// The output cannot be created or written.
    case outputNotWritable(path: String, reason: String)
    /// A command-line value or combination is invalid.
    case invalidArgument(String)
    /// A pipeline description names an unknown stage or key, or is malformed.
    case invalidPipeline(String)
    /// The run was interrupted (SIGINT) before it finished.
    case cancelled
    /// Something inside vps failed that no input should be able to cause.
    case internalFailure(String)

    /// One printable line (see `OneLine`), whatever text from a file the case carries.
    public var description: String { OneLine.of(rawDescription) }

    private var rawDescription: String {
        switch self {
        case .fileNotFound(let p): return "input not found: \(p)"
        case .emptyFile(let p): return "input is empty (0 bytes): \(p)"
        case .unreadableInput(let p, let r): return "cannot read \(p): \(r)"
        case .outputDirectoryMissing(let p): return "output directory does not exist: \(p)"
        case .outputNotWritable(let p, let r): return "cannot write \(p): \(r)"
        case .invalidArgument(let m): return m
        case .invalidPipeline(let m): return "invalid pipeline: \(m)"
        case .cancelled: return "interrupted"
        case .internalFailure(let m): return "internal error: \(m)"
        }
    }

    /// The process exit code for this error: 1 for bad input, 2 for internal failures.
    public var exitCode: Int32 {
        switch self {
        case .internalFailure: return 2
        case .cancelled: return 130
        default: return 1
        }
    }
}
