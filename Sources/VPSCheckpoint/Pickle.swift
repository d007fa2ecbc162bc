import Foundation

/// Values the restricted unpickler can build.
indirect enum PickleValue {
    case none, bool(Bool), int(Int), float(Double), string(String), bytes([UInt8])
    /// A Python 2 `str` (`BINSTRING`, `SHORT_BINSTRING`): raw bytes that
    /// `pickle.load(encoding="latin1")` reads as a latin-1 string.
    case latin1([UInt8])
    case tuple([PickleValue]), list([PickleValue]), dict([(PickleValue, PickleValue)])
    case global(String)
    case storage(key: String, dtype: DType, numel: Int)
    case tensor(TensorRef)
    /// A numpy dtype (`numpy.dtype(code, False, True)`), its byte order set by BUILD.
    case numpyDType(code: String, byteOrder: String)
    /// A numpy array: an empty one from `_reconstruct`, filled by BUILD.
    case numpyArray(NumpyArray?)
    case mark

    /// The text of a `str` (Python 3) or of a Python 2 `str` read as latin-1.
    var text: String? {
        switch self {
        case .string(let s): return s
        case .latin1(let b): return String(decoding: b.map(UInt16.init), as: UTF16.self)
        default: return nil
        }
    }
}

/// What one kind of pickle may contain: the globals it may name, and what
/// calling them (`REDUCE`), `BUILD` and persistent ids mean. Everything else
/// is refused by the shared opcode machinery in `Unpickler`.
protocol PicklePolicy {
    /// `module.name` of every global the pickle may reference.
    static var allowedGlobals: Set<String> { get }
    /// What the file kind is called in "… which a X never needs" messages.
    static var contentName: String { get }
    /// The result of calling global `name` with positional `args`.
    static func reduce(_ name: String, _ args: [PickleValue], _ u: Unpickler<Self>) throws -> PickleValue
    /// The result of `BUILD` (setting `state` on `object`).
    static func build(_ object: PickleValue, state: PickleValue, _ u: Unpickler<Self>) throws -> PickleValue
    /// The object a persistent id stands for (`BINPERSID`).
    static func persistent(_ pid: PickleValue, _ u: Unpickler<Self>) throws -> PickleValue
}

/// A restricted unpickler: the opcodes of protocols 2–4 that plain data
/// (numbers, strings, bytes, tuples, lists, dicts) needs, plus `GLOBAL` /
/// `STACK_GLOBAL`, `REDUCE`, `BUILD` and `BINPERSID` as `Policy` allows.
///
/// Every read is bounds-checked, every opcode consumes input (so no input
/// makes it loop), containers may nest at most `maxDepth` deep (so
/// releasing a hostile structure cannot overflow the stack), and the work of
/// growing containers is bounded by the file size (`workBudget`).
struct Unpickler<Policy: PicklePolicy> {
    let bytes: [UInt8]
    let path: String
    var pos = 0
    /// Values with their nesting depth (1 for a scalar).
    var stack: [(PickleValue, Int)] = []
    var memo: [Int: (PickleValue, Int)] = [:]
    static var maxDepth: Int { 64 }
    /// Elements touched when adding to containers. A container that is also
    /// in the memo is copied before it grows, so a hostile file could make
    /// that quadratic; the budget (linear in the file size) stops it.
    var work = 0
    var workBudget: Int { 4_000_000 + 16 * bytes.count }

    init(bytes: [UInt8], path: String) { self.bytes = bytes; self.path = path }

    func bad(_ r: String) -> CheckpointError { .malformed(path: path, reason: "pickle: \(r)") }
    func refuse(_ r: String) -> CheckpointError { .rejectedPickle(path: path, reason: r) }

    mutating func byte() throws -> UInt8 {
        guard pos < bytes.count else { throw bad("ends unexpectedly (truncated?)") }
        defer { pos += 1 }
        return bytes[pos]
    }
    mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= bytes.count - pos else { throw bad("ends unexpectedly (truncated?)") }
        defer { pos += n }
        return bytes[pos..<(pos + n)]
    }
    mutating func le(_ n: Int) throws -> UInt64 {
        try take(n).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
    /// A length field of `n` bytes, which must fit in what is left of the input.
    mutating func length(_ n: Int) throws -> Int {
        let v = try le(n)
        guard v <= UInt64(bytes.count - pos) else { throw bad("ends unexpectedly (truncated?)") }
        return Int(v)
    }
    mutating func line() throws -> String {
        guard let nl = bytes[pos...].firstIndex(of: 0x0a) else { throw bad("unterminated text") }
        defer { pos = nl + 1 }
        return String(decoding: bytes[pos..<nl], as: UTF8.self)
    }
    mutating func push(_ v: PickleValue, depth: Int = 1) throws {
        guard depth <= Self.maxDepth else { throw refuse("containers nest more than \(Self.maxDepth) deep") }
        stack.append((v, depth))
    }
    mutating func popEntry() throws -> (PickleValue, Int) {
        guard let v = stack.popLast() else { throw bad("stack underflow") }
        if case .mark = v.0 { throw bad("unexpected mark") }
        return v
    }
    mutating func pop() throws -> PickleValue { try popEntry().0 }
    mutating func popMark() throws -> (items: [PickleValue], depth: Int) {
        guard let m = stack.lastIndex(where: { if case .mark = $0.0 { return true }; return false }) else { throw bad("no mark") }
        let items = stack[(m + 1)...]
        let depth = items.map(\.1).max() ?? 0
        let values = items.map(\.0)
        stack.removeSubrange(m...)
        return (values, depth)
    }
    func global(_ module: String, _ name: String) throws -> PickleValue {
        let full = "\(module).\(name)"
        guard Policy.allowedGlobals.contains(full) else {
            throw refuse("it references \(printable(full)), which a \(Policy.contentName) never needs")
        }
        return .global(full)
    }
    /// Counts `n` elements of container work against the budget.
    mutating func spend(_ n: Int) throws {
        work += n
        guard work <= workBudget else { throw refuse("it makes containers grow far more than its size needs") }
    }
    mutating func memoize(_ key: Int) throws {
        guard let top = stack.last else { throw bad("memo of an empty stack") }
        memo[key] = top
    }

    mutating func run() throws -> PickleValue {
        while true {
            let op = try byte()
            switch op {
            case 0x80:                                                   // PROTO
                let p = try byte()
                guard (2...4).contains(p) else { throw refuse("pickle protocol \(p) (only 2 to 4 are read)") }
            case 0x95: _ = try le(8)                                     // FRAME
            case 0x2e: return try pop()                                 // STOP
            case 0x28: stack.append((.mark, 0))                         // MARK
            case 0x4e: try push(.none)                                  // NONE
            case 0x88: try push(.bool(true))                            // NEWTRUE
            case 0x89: try push(.bool(false))                           // NEWFALSE
            case 0x4b: try push(.int(Int(try byte())))                  // BININT1
            case 0x4d: try push(.int(Int(try le(2))))                   // BININT2
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
            case 0x8c: let n = Int(try byte()); try push(.string(String(decoding: try take(n), as: UTF8.self)))  // SHORT_BINUNICODE
            case 0x58: let n = try length(4); try push(.string(String(decoding: try take(n), as: UTF8.self)))    // BINUNICODE
            case 0x8d: let n = try length(8); try push(.string(String(decoding: try take(n), as: UTF8.self)))    // BINUNICODE8
            case 0x55: let n = Int(try byte()); try push(.latin1(Array(try take(n))))                           // SHORT_BINSTRING
            case 0x54: let n = try length(4); try push(.latin1(Array(try take(n))))                             // BINSTRING
            case 0x43: let n = Int(try byte()); try push(.bytes(Array(try take(n))))                            // SHORT_BINBYTES
            case 0x42: let n = try length(4); try push(.bytes(Array(try take(n))))                              // BINBYTES
            case 0x8e: let n = try length(8); try push(.bytes(Array(try take(n))))                              // BINBYTES8
            case 0x29: try push(.tuple([]))                              // EMPTY_TUPLE
            case 0x74: let (items, d) = try popMark(); try push(.tuple(items), depth: d + 1) // TUPLE
            case 0x85:                                                   // TUPLE1
                let a = try popEntry(); try push(.tuple([a.0]), depth: a.1 + 1)
            case 0x86:                                                   // TUPLE2
                let b = try popEntry(), a = try popEntry(); try push(.tuple([a.0, b.0]), depth: max(a.1, b.1) + 1)
            case 0x87:                                                   // TUPLE3
                let c = try popEntry(), b = try popEntry(), a = try popEntry()
                try push(.tuple([a.0, b.0, c.0]), depth: max(a.1, b.1, c.1) + 1)
            case 0x5d: try push(.list([]))                               // EMPTY_LIST
            case 0x61:                                                   // APPEND
                let v = try popEntry(), target = try popEntry()
                guard case .list(var l) = target.0 else { throw bad("APPEND to a non-list") }
                try spend(l.count + 1)
                l.append(v.0); try push(.list(l), depth: max(target.1, v.1 + 1))
            case 0x65:                                                   // APPENDS
                let (items, d) = try popMark(), target = try popEntry()
                guard case .list(var l) = target.0 else { throw bad("APPENDS to a non-list") }
                try spend(l.count + items.count)
                l += items; try push(.list(l), depth: max(target.1, d + 1))
            case 0x7d: try push(.dict([]))                               // EMPTY_DICT
            case 0x73:                                                   // SETITEM
                let v = try popEntry(), k = try popEntry(), target = try popEntry()
                guard case .dict(var d) = target.0 else { throw bad("SETITEM on a non-dict") }
                try spend(d.count + 1)
                d.append((k.0, v.0)); try push(.dict(d), depth: max(target.1, k.1 + 1, v.1 + 1))
            case 0x75:                                                   // SETITEMS
                let (items, depth) = try popMark(), target = try popEntry()
                guard items.count % 2 == 0, case .dict(var d) = target.0 else { throw bad("SETITEMS on a non-dict") }
                try spend(d.count + items.count)
                for i in stride(from: 0, to: items.count, by: 2) { d.append((items[i], items[i + 1])) }
                try push(.dict(d), depth: max(target.1, depth + 1))
            case 0x71: try memoize(Int(try byte()))                     // BINPUT
            case 0x72: try memoize(Int(try le(4)))                      // LONG_BINPUT
            case 0x94: try memoize(memo.count)                          // MEMOIZE
            case 0x68, 0x6a:                                            // BINGET, LONG_BINGET
                let k = op == 0x68 ? Int(try byte()) : Int(try le(4))
                guard let v = memo[k] else { throw bad("memo \(k) is undefined") }
                try push(v.0, depth: v.1)
            case 0x63:                                                  // GLOBAL
                let module = try line(), name = try line()
                try push(try global(module, name))
            case 0x93:                                                  // STACK_GLOBAL
                guard let name = try pop().text, let module = try pop().text else { throw bad("STACK_GLOBAL needs strings") }
                try push(try global(module, name))
            case 0x51:                                                  // BINPERSID
                try push(try Policy.persistent(try pop(), self))
            case 0x52:                                                  // REDUCE
                let args = try popEntry(), fn = try pop()
                guard case .global(let name) = fn, case .tuple(let a) = args.0 else { throw bad("REDUCE of a non-callable") }
                try push(try Policy.reduce(name, a, self), depth: args.1)
            case 0x62:                                                  // BUILD
                let state = try popEntry(), object = try popEntry()
                try push(try Policy.build(object.0, state: state.0, self), depth: max(object.1, state.1 + 1))
            default:
                throw refuse(String(format: "pickle opcode 0x%02x is not part of a \(Policy.contentName)", op))
            }
        }
    }
}

/// `text` for a one-line message: control characters as `?`, at most 80 characters.
func printable(_ text: String) -> String {
    let cleaned = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : Character($0) })
    return cleaned.count > 80 ? String(cleaned.prefix(80)) + "…" : cleaned
}
