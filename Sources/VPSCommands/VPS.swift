import ArgumentParser
import Foundation
import VPSCore

/// The `vps` command: video panoptic segmentation and tracking.
public struct VPS: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "vps",
        abstract: "Video panoptic segmentation and tracking.",
        version: "0.1.0",
        subcommands: [ProbeCommand.self, FlowCommand.self, SegmentCommand.self, AnnotateCommand.self, EvalCommand.self, SynthCommand.self, StitchCommand.self, ConvertCommand.self,
                      WeightsCommand.self, BenchCommand.self]
    )

    public init() {}

    /// Parses the arguments, runs the command and exits with vps's codes:
    /// 0 on success, 1 on bad input or arguments (one line on stderr),
    /// 2 on an internal failure, 130 when interrupted.
    public static func runAndExit(_ arguments: [String]? = nil) -> Never {
        Foundation.exit(run(arguments))
    }

    /// `runAndExit` without the exit: the status it exits with. Returning
    /// first lets the command and its error be released before `exit`.
    static func run(_ arguments: [String]?) -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            return 0
        } catch {
            let outcome = outcome(of: error)
            if let text = outcome.stdout { print(text) }
            if let line = outcome.stderr { FileHandle.standardError.write(Data((line + "\n").utf8)) }
            return outcome.status
        }
    }

    /// What `runAndExit` does with an error a command threw: the exit status,
    /// and what it prints on stdout (help, version) and stderr (one line).
    public static func outcome(of error: Error) -> (status: Int32, stdout: String?, stderr: String?) {
        switch error {
        case let error as VPSError:
            return (error.exitCode, nil, "vps: error: \(error.description)")
        case ExitCodeError.interrupted:
            return (130, nil, nil)
        case let code as ExitCode:
            return (code.rawValue, nil, nil)
        default:
            let code = exitCode(for: error)
            if code == .success { return (0, fullMessage(for: error), nil) }
            if code == .validationFailure {
                let line = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
                return (1, nil, "vps: error: \(line) (see 'vps --help')")
            }
            return (2, nil, "vps: error: internal error: \(error)")
        }
    }
}

/// Writing to the terminal.
enum Console {
    static func error(_ message: String) { FileHandle.standardError.write(Data("vps: error: \(message)\n".utf8)) }
    static func warning(_ message: String) { FileHandle.standardError.write(Data("vps: warning: \(message)\n".utf8)) }
    static func note(_ message: String) { FileHandle.standardError.write(Data("vps: \(message)\n".utf8)) }
    /// Whether stderr is a terminal (progress bars go there only then).
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}
