import ArgumentParser
import Foundation
import VPSCore

/// The `vps` command: video panoptic segmentation and tracking.
public struct VPS: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "vps",
        abstract: "Video panoptic segmentation and tracking.",
        version: "0.1.0",
        subcommands: [ProbeCommand.self, FlowCommand.self, SegmentCommand.self, AnnotateCommand.self, EvalCommand.self, SynthCommand.self, ConvertCommand.self,
                      WeightsCommand.self, BenchCommand.self]
    )

    public init() {}

    /// Parses the arguments, runs the command and exits with vps's codes:
    /// 0 on success, 1 on bad input or arguments (one line on stderr),
    /// 2 on an internal failure, 130 when interrupted.
    public static func runAndExit(_ arguments: [String]? = nil) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Foundation.exit(0)
        } catch let error as VPSError {
            Console.error(error.description)
            Foundation.exit(error.exitCode)
        } catch ExitCodeError.interrupted {
            Foundation.exit(130)
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            if code == .validationFailure {
                let line = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
                Console.error("\(line) (see 'vps --help')")
                Foundation.exit(1)
            }
            Console.error("internal error: \(error)")
            Foundation.exit(2)
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
