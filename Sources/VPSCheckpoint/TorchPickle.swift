import Foundation

/// Loads the state dicts that `torch.save` writes (a zip holding `data.pkl`
/// and one file per storage) without Python.
///
/// The unpickler is restricted: it implements only the opcodes a state dict
/// needs and accepts only these globals: `collections.OrderedDict`,
/// `torch._utils._rebuild_tensor_v2`, `torch._utils._rebuild_parameter` and
/// the `torch.*Storage` types. Anything else (e.g. `os.system`) is rejected
/// before it could run, with the name in the error.
public enum TorchCheckpoint {
    public static func read(path: String) throws -> StateDict {
        guard FileManager.default.fileExists(atPath: path) else { throw CheckpointError.unreadable(path: path, reason: "no such file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError.unreadable(path: path, reason: "permission denied or not a file")
        }
        return try decode([UInt8](data), path: path)
    }

    public static func decode(_ bytes: [UInt8], path: String = "<memory>") throws -> StateDict {
        if bytes.count >= 2, bytes[0] == 0x80, bytes[1] <= 5 {
            throw CheckpointError.malformed(path: path, reason: "legacy (pre-1.6, non-zip) torch.save format; re-save it with a current torch or convert it with scripts/convert_torchvision.py")
        }
        guard bytes.count >= 4, bytes[0] == 0x50, bytes[1] == 0x4b else {
            throw CheckpointError.malformed(path: path, reason: "not a zip archive, so not a torch.save checkpoint")
        }
        let zip = try ZipArchive(bytes: bytes, path: path)
        guard let pklName = zip.order.first(where: { $0.hasSuffix("/data.pkl") || $0 == "data.pkl" }),
              let pkl = zip.data(pklName) else {
            throw CheckpointError.malformed(path: path, reason: "no data.pkl in the archive")
        }
        let prefix = String(pklName.dropLast("data.pkl".count))
        var u = Unpickler<TorchPolicy>(bytes: Array(pkl), path: path)
        let root = try u.run()
        guard case .dict(let items) = root else {
            throw CheckpointError.malformed(path: path, reason: "the pickle holds no state dict (a dict of tensors) at top level")
        }
        var out = StateDict()
        for (k, v) in items {
            guard let name = k.text else { throw CheckpointError.malformed(path: path, reason: "a state dict key is not a string") }
            guard case .tensor(let t) = v else {
                throw CheckpointError.malformed(path: path, reason: "entry \(name) is not a tensor")
            }
            guard let raw = zip.data("\(prefix)data/\(t.storageKey)") else {
                throw CheckpointError.malformed(path: path, reason: "storage \(t.storageKey) of \(name) is missing from the archive")
            }
            out.tensors[name] = try materialise(t, raw: raw, name: name, path: path)
        }
        return out
    }

    static func materialise(_ t: TensorRef, raw: ArraySlice<UInt8>, name: String, path: String) throws -> TensorEntry {
        let size = t.dtype.size
        let declared = t.storageNumel.multipliedReportingOverflow(by: size)
        guard declared.overflow == false, raw.count >= declared.partialValue || t.storageNumel == 0 else {
            throw CheckpointError.malformed(path: path, reason: "storage of \(name) is shorter than declared (truncated?)")
        }
        guard t.stride.count == t.shape.count else { throw CheckpointError.malformed(path: path, reason: "\(name): stride and size differ in rank") }
        // Element count and the largest index addressed, without overflow; both must fit the storage.
        var count = 1, maxIndex = t.offset, overflow = false
        for (d, s) in zip(t.shape, t.stride) {
            let c = count.multipliedReportingOverflow(by: d)
            let span = max(d - 1, 0).multipliedReportingOverflow(by: s)
            let m = maxIndex.addingReportingOverflow(span.partialValue)
            overflow = overflow || c.overflow || span.overflow || m.overflow
            count = c.partialValue; maxIndex = m.partialValue
        }
        guard !overflow, count <= raw.count / size else {
            throw CheckpointError.malformed(path: path, reason: "\(name) has more elements than its storage (views with stride 0 are not supported)")
        }
        guard count == 0 || (t.offset >= 0 && maxIndex < raw.count / size) else {
            throw CheckpointError.malformed(path: path, reason: "\(name) addresses elements outside its storage")
        }
        let all = raw.withUnsafeBytes { Safetensors.widen($0, dtype: t.dtype, count: raw.count / size) }
        var values = [Float](repeating: 0, count: count)
        var idx = [Int](repeating: 0, count: t.shape.count)
        for i in 0..<count {
            var off = t.offset
            for d in 0..<idx.count { off += idx[d] * t.stride[d] }
            values[i] = all[off]
            var d = idx.count - 1
            while d >= 0 { idx[d] += 1; if idx[d] < t.shape[d] { break }; idx[d] = 0; d -= 1 }
        }
        return TensorEntry(shape: t.shape, dtype: t.dtype, values: values)
    }
}

/// A tensor reference built by `_rebuild_tensor_v2`.
struct TensorRef {
    var storageKey: String
    var dtype: DType
    var storageNumel: Int
    var offset: Int
    var shape: [Int]
    var stride: [Int]
}

/// What a torch state dict's `data.pkl` may contain.
enum TorchPolicy: PicklePolicy {
    static let storageTypes: [String: DType] = [
        "torch.FloatStorage": .f32, "torch.HalfStorage": .f16, "torch.BFloat16Storage": .bf16,
        "torch.DoubleStorage": .f64, "torch.LongStorage": .i64, "torch.IntStorage": .i32,
        "torch.ByteStorage": .u8, "torch.BoolStorage": .bool,
    ]
    static let allowedGlobals: Set<String> = Set(storageTypes.keys).union([
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
    ])
    static var contentName: String { "state dict" }

    static func persistent(_ pid: PickleValue, _ u: Unpickler<Self>) throws -> PickleValue {
        guard case .tuple(let t) = pid, t.count == 5, t[0].text == "storage", case .global(let type) = t[1],
              let key = t[2].text, case .int(let numel) = t[4], let dtype = storageTypes[type] else {
            throw u.refuse("unexpected persistent id (not a torch storage)")
        }
        guard numel >= 0 else { throw u.bad("negative storage size") }
        return .storage(key: key, dtype: dtype, numel: numel)
    }

    /// State set on an OrderedDict (its `_metadata`) is ignored.
    static func build(_ object: PickleValue, state: PickleValue, _ u: Unpickler<Self>) throws -> PickleValue { object }

    static func reduce(_ name: String, _ a: [PickleValue], _ u: Unpickler<Self>) throws -> PickleValue {
        switch name {
        case "collections.OrderedDict":
            return .dict([])
        case "torch._utils._rebuild_tensor_v2":
            guard a.count >= 4, case .storage(let key, let dtype, let numel) = a[0], case .int(let offset) = a[1],
                  case .tuple(let size) = a[2], case .tuple(let stride) = a[3] else { throw u.bad("bad _rebuild_tensor_v2 arguments") }
            let shape = try size.map { v -> Int in guard case .int(let i) = v, i >= 0 else { throw u.bad("bad tensor size") }; return i }
            let strides = try stride.map { v -> Int in guard case .int(let i) = v, i >= 0 else { throw u.bad("bad tensor stride") }; return i }
            return .tensor(TensorRef(storageKey: key, dtype: dtype, storageNumel: numel, offset: offset, shape: shape, stride: strides))
        case "torch._utils._rebuild_parameter":
            guard let first = a.first, case .tensor = first else { throw u.bad("bad _rebuild_parameter arguments") }
            return first
        default:
            throw u.refuse("\(name) cannot be called")
        }
    }
}
