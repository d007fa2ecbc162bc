import Foundation

/// Reads Detectron2 model-zoo checkpoints (`.pkl`): a pickle of
/// `{"model": {name: numpy array}, "__author__": …}`, without Python.
///
/// The pickle is read by the restricted unpickler with `NumpyPolicy`:
/// protocols 2 to 4, only numpy's array and dtype constructors and
/// `_codecs.encode`, little-endian f4, f8 and i8 arrays. Anything else is
/// refused by name before it could run. Tensors keep Detectron2's names;
/// `pixel_mean`, `pixel_std` and `*cell_anchors*` entries (constants of
/// the model, not weights) are left out, as Detectron2's loader tolerates.
public enum Detectron2Pickle {
    /// Metadata key for the file's `__author__` entry, when it has one.
    public static let authorKey = "detectron2.author"

    /// The tensors of the `.pkl` at `path`, under Detectron2's names, with
    /// `__author__` as metadata (`authorKey`). Throws `CheckpointError`.
    public static func read(path: String) throws -> StateDict {
        guard FileManager.default.fileExists(atPath: path) else { throw CheckpointError.unreadable(path: path, reason: "no such file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError.unreadable(path: path, reason: "permission denied or not a file")
        }
        return try decode([UInt8](data), path: path)
    }

    /// Whether the first bytes look like a pickle of protocol 2 to 4 (`0x80 p`).
    public static func matches(header: [UInt8]) -> Bool {
        header.count >= 2 && header[0] == 0x80 && (2...4).contains(header[1])
    }

    /// Whether a state-dict entry is a model constant Detectron2 recomputes.
    public static func isIgnored(_ name: String) -> Bool {
        name == "pixel_mean" || name == "pixel_std" || name.contains("cell_anchors")
    }

    /// `read` on bytes in memory; `path` only names them in errors.
    public static func decode(_ bytes: [UInt8], path: String = "<memory>") throws -> StateDict {
        guard bytes.count >= 2, bytes[0] == 0x80 else {
            throw CheckpointError.malformed(path: path, reason: "not a pickle (a Detectron2 .pkl starts with the pickle protocol byte 0x80)")
        }
        var u = Unpickler<NumpyPolicy>(bytes: bytes, path: path)
        let root = try u.run()
        guard case .dict(let top) = root else {
            throw CheckpointError.malformed(path: path, reason: "the pickle holds no dict at top level")
        }
        var out = StateDict()
        var model: [(PickleValue, PickleValue)]?
        for (k, v) in top {
            switch k.text {
            case "model":
                guard case .dict(let m) = v else { throw CheckpointError.malformed(path: path, reason: "its 'model' entry is not a dict") }
                model = m
            case "__author__":
                if let a = v.text { out.metadata[authorKey] = a }
            case "blobs":
                throw CheckpointError.malformed(path: path, reason: "a Caffe2-format file ('blobs'); only Detectron2 model-zoo files ('model') are read")
            default:
                continue
            }
        }
        guard let model else {
            throw CheckpointError.malformed(path: path, reason: "no 'model' entry, so not a Detectron2 model-zoo checkpoint")
        }
        for (k, v) in model {
            guard let name = k.text else { throw CheckpointError.malformed(path: path, reason: "a parameter name is not a string") }
            if isIgnored(name) { continue }
            guard case .numpyArray(let array?) = v else {
                throw CheckpointError.malformed(path: path, reason: "entry \(printable(name)) is not a numpy array")
            }
            guard out.tensors[name] == nil else { throw CheckpointError.malformed(path: path, reason: "entry \(printable(name)) appears twice") }
            out.tensors[name] = array.entry()
        }
        return out
    }
}
