import Foundation
import VPSCheckpoint
import VPSCore

extension MaskRCNN {
    /// The model of the checkpoint at `path`, in any known format
    /// (`CheckpointFormats`), with its config chosen by `ModelCheckpoint.load`
    /// and `configFile` (`--model-config`, a JSON file) laid over it.
    ///
    /// Every problem is a one-line `VPSError` naming the file: missing,
    /// unreadable or malformed files, a config that is missing or invalid,
    /// and weights that do not fit the config.
    public static func load(path: String, configFile: String? = nil) throws -> MaskRCNN {
        try InputFile.validate(path)
        if let configFile { try InputFile.validate(configFile) }
        do {
            let (config, weights) = try ModelCheckpoint.load(path: path, configFile: configFile)
            return try MaskRCNN(config: config, weights: weights)
        } catch let e as CheckpointError {
            throw VPSError.unreadableInput(path: path, reason: e.reason)
        } catch let e as DetectionError {
            throw VPSError.unreadableInput(path: path, reason: e.description)
        }
    }
}
