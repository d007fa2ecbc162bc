import Foundation
import VPSCore
import VPSFormats

/// The model `vps annotate`, `vps segment` and `vps weights inspect` use when
/// no `--weights` is given: vps's own panoptic Mask R-CNN with a track head,
/// trained by `scripts/train.py` on `vps synth` videos. It knows only the
/// synthetic classes (sky, ground, water; disc, box, triangle, diamond).
///
/// Search order, first hit wins:
/// 1. `$VPS_MODEL` (a file; when set it must exist);
/// 2. `models/vps-synth.safetensors` beside the executable, then
///    `../share/vps/models/vps-synth.safetensors` (an installed binary);
/// 3. `Samples/models/vps-synth.safetensors` in the executable's folder or
///    any folder above it (a checkout's `.build/…/vps`, and `swift run`);
/// 4. `Samples/models/vps-synth.safetensors` below the current folder.
enum DefaultModel {
    static let fileName = "vps-synth.safetensors"
    static let environmentKey = "VPS_MODEL"

    /// The places searched, in order.
    static func candidates(executable: String? = executablePath(),
                           currentDirectory: String = FileManager.default.currentDirectoryPath) -> [String] {
        var out: [String] = []
        if let exe = executable {
            let dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
            out.append(dir.appendingPathComponent("models/\(fileName)").path)
            out.append(dir.deletingLastPathComponent().appendingPathComponent("share/vps/models/\(fileName)").path)
            var up = dir
            while true {
                out.append(up.appendingPathComponent("Samples/models/\(fileName)").path)
                let parent = up.deletingLastPathComponent()
                if parent.path == up.path { break }
                up = parent
            }
        }
        out.append(URL(fileURLWithPath: currentDirectory).appendingPathComponent("Samples/models/\(fileName)").path)
        return out
    }

    /// The default model's path, or a one-line error that says where vps looked.
    static func path(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if let set = environment[environmentKey], !set.isEmpty {
            guard FileSystem.exists(set) else {
                throw VPSError.invalidArgument("$\(environmentKey) names \(set), which does not exist")
            }
            return set
        }
        if let found = candidates().first(where: { FileSystem.exists($0) && !FileSystem.isDirectory($0) }) {
            return found
        }
        throw VPSError.invalidArgument("no --weights given and the default model (\(fileName)) was not found: set $\(environmentKey), "
            + "or keep it in Samples/models of the checkout vps was built in")
    }

    /// `--weights` if given, else the default model.
    static func resolve(_ weights: String?) throws -> String {
        if let weights, !weights.isEmpty { return weights }
        return try path()
    }

    static func executablePath() -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    }
}
