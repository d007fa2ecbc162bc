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
        var u = Unpickler(bytes: Array(pkl), path: path)
        let root = try u.run()
        guard case .dict(let items) = root else {
            throw CheckpointError.malformed(path: path, reason: "the pickle holds no state dict (a dict of tensors) at top level")
        }
        var out = StateDict()
        for (k, v) in items {
            guard case .string(let name) = k else { throw CheckpointError.malformed(path: path, reason: "a state dict key is not a string") }
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
        guard raw.count >= t.storageNumel * size || t.storageNumel == 0 else {
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

/// Values the restricted unpickler can build.
indirect enum PickleValue {
    case none, bool(Bool), int(Int), float(Double), string(String), bytes([UInt8])
    case tuple([PickleValue]), list([PickleValue]), dict([(PickleValue, PickleValue)])
    case global(String)
    case storage(key: String, dtype: DType, numel: Int)
    case tensor(TensorRef)
    case mark
}

struct Unpickler {
    let bytes: [UInt8]
    let path: String
    var pos = 0
    var stack: [PickleValue] = []
    var memo: [Int: PickleValue] = [:]

    static let storageTypes: [String: DType] = [
        "torch.FloatStorage": .f32, "torch.HalfStorage": .f16, "torch.BFloat16Storage": .bf16,
        "torch.DoubleStorage": .f64, "torch.LongStorage": .i64, "torch.IntStorage": .i32,
        "torch.ByteStorage": .u8, "torch.BoolStorage": .bool,
    ]
    static let allowedGlobals: Set<String> = Set(storageTypes.keys).union([
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
    ])

    init(bytes: [UInt8], path: String) { self.bytes = bytes; self.path = path }

    func bad(_ r: String) -> CheckpointError { .malformed(path: path, reason: "pickle: \(r)") }

    mutating func byte() throws -> UInt8 {
        guard pos < bytes.count else { throw bad("ends unexpectedly (truncated?)") }
        defer { pos += 1 }
        return bytes[pos]
    }
    mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, pos + n <= bytes.count else { throw bad("ends unexpectedly (truncated?)") }
        defer { pos += n }
        return bytes[pos..<(pos + n)]
    }
    mutating func le(_ n: Int) throws -> UInt64 {
        try take(n).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
    mutating func line() throws -> String {
        guard let nl = bytes[pos...].firstIndex(of: 0x0a) else { throw bad("unterminated text") }
        defer { pos = nl + 1 }
        return String(decoding: bytes[pos..<nl], as: UTF8.self)
    }
    mutating func pop() throws -> PickleValue {
        guard let v = stack.popLast() else { throw bad("stack underflow") }
        return v
    }
    mutating func popMark() throws -> [PickleValue] {
        guard let m = stack.lastIndex(where: { if case .mark = $0 { return true }; return false }) else { throw bad("no mark") }
        let items = Array(stack[(m + 1)...])
        stack.removeSubrange(m...)
        return items
    }
    func global(_ module: String, _ name: String) throws -> PickleValue {
        let full = "\(module).\(name)"
        guard Self.allowedGlobals.contains(full) else {
            throw CheckpointError.rejectedPickle(path: path, reason: "it references \(full), which a state dict never needs")
        }
        return .global(full)
    }

    mutating func run() throws -> PickleValue {
        while true {
            let op = try byte()
            switch op {
            case 0x80: _ = try byte()                                   // PROTO
            case 0x95: _ = try le(8)                                     // FRAME
            case 0x2e: return try pop()                                 // STOP
            case 0x28: stack.append(.mark)                              // MARK
            case 0x4e: stack.append(.none)                              // NONE
            case 0x88: stack.append(.bool(true))                        // NEWTRUE
            case 0x89: stack.append(.bool(false))                       // NEWFALSE
            case 0x4b: stack.append(.int(Int(try byte())))              // BININT1
            case 0x4d: stack.append(.int(Int(try le(2))))               // BININT2
            case 0x4a: stack.append(.int(Int(Int32(truncatingIfNeeded: try le(4))))) // BININT
            case 0x8a:                                                  // LONG1
                let n = Int(try byte())
                guard n <= 8 else { throw bad("integer too large") }
                let raw = try take(n)
                var v: Int64 = 0
                for (i, b) in raw.enumerated() { v |= Int64(b) << (8 * Int64(i)) }
                if n > 0 && n < 8 && raw.last! & 0x80 != 0 { v -= Int64(1) << (8 * Int64(n)) }
                stack.append(.int(Int(v)))
            case 0x47: stack.append(.float(Double(bitPattern: try take(8).reduce(0) { $0 << 8 | UInt64($1) }))) // BINFLOAT (big-endian)
            case 0x8c: let n = Int(try byte()); stack.append(.string(String(decoding: try take(n), as: UTF8.self)))   // SHORT_BINUNICODE
            case 0x58: let n = Int(truncatingIfNeeded: try le(4)); stack.append(.string(String(decoding: try take(n), as: UTF8.self)))    // BINUNICODE
            case 0x8d: let n = Int(truncatingIfNeeded: try le(8)); stack.append(.string(String(decoding: try take(n), as: UTF8.self)))    // BINUNICODE8
            case 0x55: let n = Int(try byte()); stack.append(.string(String(decoding: try take(n), as: UTF8.self)))   // SHORT_BINSTRING
            case 0x54: let n = Int(truncatingIfNeeded: try le(4)); stack.append(.string(String(decoding: try take(n), as: UTF8.self)))    // BINSTRING
            case 0x43: let n = Int(try byte()); stack.append(.bytes(Array(try take(n))))                             // SHORT_BINBYTES
            case 0x42: let n = Int(truncatingIfNeeded: try le(4)); stack.append(.bytes(Array(try take(n))))                              // BINBYTES
            case 0x29: stack.append(.tuple([]))                          // EMPTY_TUPLE
            case 0x74: stack.append(.tuple(try popMark()))               // TUPLE
            case 0x85: let a = try pop(); stack.append(.tuple([a]))      // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); stack.append(.tuple([a, b]))            // TUPLE2
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(.tuple([a, b, c])) // TUPLE3
            case 0x5d: stack.append(.list([]))                           // EMPTY_LIST
            case 0x61:                                                   // APPEND
                let v = try pop()
                guard case .list(var l) = try pop() else { throw bad("APPEND to a non-list") }
                l.append(v); stack.append(.list(l))
            case 0x65:                                                   // APPENDS
                let items = try popMark()
                guard case .list(var l) = try pop() else { throw bad("APPENDS to a non-list") }
                l += items; stack.append(.list(l))
            case 0x7d: stack.append(.dict([]))                           // EMPTY_DICT
            case 0x73:                                                   // SETITEM
                let v = try pop(), k = try pop()
                guard case .dict(var d) = try pop() else { throw bad("SETITEM on a non-dict") }
                d.append((k, v)); stack.append(.dict(d))
            case 0x75:                                                   // SETITEMS
                let items = try popMark()
                guard items.count % 2 == 0, case .dict(var d) = try pop() else { throw bad("SETITEMS on a non-dict") }
                for i in stride(from: 0, to: items.count, by: 2) { d.append((items[i], items[i + 1])) }
                stack.append(.dict(d))
            case 0x71: memo[Int(try byte())] = stack.last                // BINPUT
            case 0x72: memo[Int(try le(4))] = stack.last                 // LONG_BINPUT
            case 0x94: memo[memo.count] = stack.last                     // MEMOIZE
            case 0x68, 0x6a:                                             // BINGET, LONG_BINGET
                let k = op == 0x68 ? Int(try byte()) : Int(try le(4))
                guard let v = memo[k] else { throw bad("memo \(k) is undefined") }
                stack.append(v)
            case 0x63:                                                   // GLOBAL
                let module = try line(), name = try line()
                stack.append(try global(module, name))
            case 0x93:                                                   // STACK_GLOBAL
                guard case .string(let name) = try pop(), case .string(let module) = try pop() else { throw bad("STACK_GLOBAL needs strings") }
                stack.append(try global(module, name))
            case 0x51:                                                   // BINPERSID
                stack.append(try persistent(try pop()))
            case 0x52:                                                   // REDUCE
                let args = try pop(), fn = try pop()
                stack.append(try reduce(fn, args))
            case 0x62:                                                   // BUILD: state on an OrderedDict (its _metadata) is ignored
                _ = try pop()
                guard stack.last != nil else { throw bad("BUILD on nothing") }
            default:
                throw CheckpointError.rejectedPickle(path: path, reason: String(format: "pickle opcode 0x%02x is not part of a state dict", op))
            }
        }
    }

    func persistent(_ pid: PickleValue) throws -> PickleValue {
        guard case .tuple(let t) = pid, t.count == 5, case .string("storage") = t[0], case .global(let type) = t[1],
              case .string(let key) = t[2], case .int(let numel) = t[4], let dtype = Self.storageTypes[type] else {
            throw CheckpointError.rejectedPickle(path: path, reason: "unexpected persistent id (not a torch storage)")
        }
        guard numel >= 0 else { throw bad("negative storage size") }
        return .storage(key: key, dtype: dtype, numel: numel)
    }

    func reduce(_ fn: PickleValue, _ args: PickleValue) throws -> PickleValue {
        guard case .global(let name) = fn, case .tuple(let a) = args else { throw bad("REDUCE of a non-callable") }
        switch name {
        case "collections.OrderedDict":
            return .dict([])
        case "torch._utils._rebuild_tensor_v2":
            guard a.count >= 4, case .storage(let key, let dtype, let numel) = a[0], case .int(let offset) = a[1],
                  case .tuple(let size) = a[2], case .tuple(let stride) = a[3] else { throw bad("bad _rebuild_tensor_v2 arguments") }
            let shape = try size.map { v -> Int in guard case .int(let i) = v, i >= 0 else { throw bad("bad tensor size") }; return i }
            let strides = try stride.map { v -> Int in guard case .int(let i) = v, i >= 0 else { throw bad("bad tensor stride") }; return i }
            return .tensor(TensorRef(storageKey: key, dtype: dtype, storageNumel: numel, offset: offset, shape: shape, stride: strides))
        case "torch._utils._rebuild_parameter":
            guard let first = a.first, case .tensor = first else { throw bad("bad _rebuild_parameter arguments") }
            return first
        default:
            throw CheckpointError.rejectedPickle(path: path, reason: "\(name) cannot be called")
        }
    }
}
