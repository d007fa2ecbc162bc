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
    /// The nesting depth of each value on `stack` (0 for scalars).
    var depths: [Int] = []
    var memo: [Int: (value: PickleValue, depth: Int)] = [:]
    /// The deepest nesting accepted. A state dict needs a few levels; a value
    /// nested without bound would overflow the stack when it is freed.
    static let maxDepth = 1000

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
    mutating func push(_ v: PickleValue, depth: Int = 0) throws {
        guard depth <= Self.maxDepth else { throw bad("values nested more than \(Self.maxDepth) levels deep") }
        stack.append(v)
        depths.append(depth)
    }
    mutating func pop() throws -> PickleValue { try popWithDepth().value }
    mutating func popWithDepth() throws -> (value: PickleValue, depth: Int) {
        guard let v = stack.popLast(), let d = depths.popLast() else { throw bad("stack underflow") }
        return (v, d)
    }
    /// The values above the topmost mark, and the deepest of their depths.
    mutating func popMark() throws -> (items: [PickleValue], depth: Int) {
        guard let m = stack.lastIndex(where: { if case .mark = $0 { return true }; return false }) else { throw bad("no mark") }
        let items = Array(stack[(m + 1)...])
        let depth = depths[(m + 1)...].max() ?? 0
        stack.removeSubrange(m...)
        depths.removeSubrange(m...)
        return (items, depth)
    }
    mutating func memoize(_ key: Int) {
        if let v = stack.last, let d = depths.last { memo[key] = (v, d) } else { memo[key] = nil }
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
            case 0x28: try push(.mark)                              // MARK
            case 0x4e: try push(.none)                              // NONE
            case 0x88: try push(.bool(true))                        // NEWTRUE
            case 0x89: try push(.bool(false))                       // NEWFALSE
            case 0x4b: try push(.int(Int(try byte())))              // BININT1
            case 0x4d: try push(.int(Int(try le(2))))               // BININT2
            case 0x4a: try push(.int(Int(Int32(truncatingIfNeeded: try le(4))))) // BININT
            case 0x8a:                                                  // LONG1
                let n = Int(try byte())
                guard n <= 8 else { throw bad("integer too large") }
                let raw = try take(n)
                var v: Int64 = 0
                for (i, b) in raw.enumerated() { v |= Int64(b) << (8 * Int64(i)) }
                if n > 0 && n < 8 && raw.last! & 0x80 != 0 { v -= Int64(1) << (8 * Int64(n)) }
                try push(.int(Int(v)))
            case 0x47: try push(.float(Double(bitPattern: try take(8).reduce(0) { $0 << 8 | UInt64($1) }))) // BINFLOAT (big-endian)
            case 0x8c: let n = Int(try byte()); try push(.string(String(decoding: try take(n), as: UTF8.self)))   // SHORT_BINUNICODE
            case 0x58: let n = Int(truncatingIfNeeded: try le(4)); try push(.string(String(decoding: try take(n), as: UTF8.self)))    // BINUNICODE
            case 0x8d: let n = Int(truncatingIfNeeded: try le(8)); try push(.string(String(decoding: try take(n), as: UTF8.self)))    // BINUNICODE8
            case 0x55: let n = Int(try byte()); try push(.string(String(decoding: try take(n), as: UTF8.self)))   // SHORT_BINSTRING
            case 0x54: let n = Int(truncatingIfNeeded: try le(4)); try push(.string(String(decoding: try take(n), as: UTF8.self)))    // BINSTRING
            case 0x43: let n = Int(try byte()); try push(.bytes(Array(try take(n))))                             // SHORT_BINBYTES
            case 0x42: let n = Int(truncatingIfNeeded: try le(4)); try push(.bytes(Array(try take(n))))                              // BINBYTES
            case 0x29: try push(.tuple([]), depth: 1)                     // EMPTY_TUPLE
            case 0x74: let (items, d) = try popMark(); try push(.tuple(items), depth: d + 1)   // TUPLE
            case 0x85: let a = try popWithDepth(); try push(.tuple([a.value]), depth: a.depth + 1) // TUPLE1
            case 0x86: let b = try popWithDepth(), a = try popWithDepth()                        // TUPLE2
                try push(.tuple([a.value, b.value]), depth: max(a.depth, b.depth) + 1)
            case 0x87: let c = try popWithDepth(), b = try popWithDepth(), a = try popWithDepth() // TUPLE3
                try push(.tuple([a.value, b.value, c.value]), depth: max(a.depth, b.depth, c.depth) + 1)
            case 0x5d: try push(.list([]), depth: 1)                      // EMPTY_LIST
            case 0x61:                                                   // APPEND
                let v = try popWithDepth(), ld = depths.last ?? 0
                guard case .list(var l) = try pop() else { throw bad("APPEND to a non-list") }
                l.append(v.value); try push(.list(l), depth: max(ld, v.depth + 1))
            case 0x65:                                                   // APPENDS
                let (items, d) = try popMark(), ld = depths.last ?? 0
                guard case .list(var l) = try pop() else { throw bad("APPENDS to a non-list") }
                l += items; try push(.list(l), depth: max(ld, d + 1))
            case 0x7d: try push(.dict([]), depth: 1)                      // EMPTY_DICT
            case 0x73:                                                   // SETITEM
                let v = try popWithDepth(), k = try popWithDepth(), dd = depths.last ?? 0
                guard case .dict(var d) = try pop() else { throw bad("SETITEM on a non-dict") }
                d.append((k.value, v.value)); try push(.dict(d), depth: max(dd, k.depth + 1, v.depth + 1))
            case 0x75:                                                   // SETITEMS
                let (items, depth) = try popMark(), dd = depths.last ?? 0
                guard items.count % 2 == 0, case .dict(var d) = try pop() else { throw bad("SETITEMS on a non-dict") }
                for i in stride(from: 0, to: items.count, by: 2) { d.append((items[i], items[i + 1])) }
                try push(.dict(d), depth: max(dd, depth + 1))
            case 0x71: memoize(Int(try byte()))                          // BINPUT
            case 0x72: memoize(Int(try le(4)))                           // LONG_BINPUT
            case 0x94: memoize(memo.count)                               // MEMOIZE
            case 0x68, 0x6a:                                             // BINGET, LONG_BINGET
                let k = op == 0x68 ? Int(try byte()) : Int(try le(4))
                guard let v = memo[k] else { throw bad("memo \(k) is undefined") }
                try push(v.value, depth: v.depth)
            case 0x63:                                                   // GLOBAL
                let module = try line(), name = try line()
                try push(try global(module, name))
            case 0x93:                                                   // STACK_GLOBAL
                guard case .string(let name) = try pop(), case .string(let module) = try pop() else { throw bad("STACK_GLOBAL needs strings") }
                try push(try global(module, name))
            case 0x51:                                                   // BINPERSID
                try push(try persistent(try pop()))
            case 0x52:                                                   // REDUCE
                let args = try pop(), fn = try pop()
                try push(try reduce(fn, args))
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
