import Foundation

/// A numpy array as a pickle rebuilds it: `_reconstruct` gives an empty
/// array, and `BUILD` sets its shape, dtype, order and raw bytes.
struct NumpyArray {
    var shape: [Int]
    var dtype: DType
    /// Column-major (Fortran order) data.
    var fortran: Bool
    var data: [UInt8]
}

/// What a pickle of numpy arrays (as `pickle.dump` writes them, protocols 2
/// to 4, numpy 1 or 2) may contain: the array and dtype constructors,
/// `_codecs.encode`, with which protocol 2 stores bytes, and `bytes()`,
/// with which it stores empty bytes. Arrays may hold
/// little-endian f4, f8 or i8 values, in C or Fortran order.
enum NumpyPolicy: PicklePolicy {
    static let reconstruct: Set<String> = ["numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct"]
    /// Protocol 2 writes empty bytes as a call of `bytes()`, under Python 2's module name.
    static let emptyBytes: Set<String> = ["__builtin__.bytes", "builtins.bytes"]
    static let allowedGlobals: Set<String> = reconstruct.union(emptyBytes).union(["numpy.ndarray", "numpy.dtype", "_codecs.encode"])
    static var contentName: String { "file of numpy arrays" }
    /// numpy dtype codes read, with the type they are stored as.
    static let dtypes: [String: DType] = ["f4": .f32, "f8": .f64, "i8": .i64]

    static func persistent(_ pid: PickleValue, _ u: Unpickler<Self>) throws -> PickleValue {
        throw u.refuse("it uses persistent ids, which a \(contentName) never needs")
    }

    static func reduce(_ name: String, _ a: [PickleValue], _ u: Unpickler<Self>) throws -> PickleValue {
        switch name {
        case _ where reconstruct.contains(name):
            guard a.count == 3, case .global("numpy.ndarray") = a[0] else {
                throw u.refuse("\(name) builds something other than a numpy.ndarray")
            }
            return .numpyArray(nil)
        case _ where emptyBytes.contains(name):
            guard a.isEmpty else { throw u.refuse("\(name) is called with arguments") }
            return .bytes([])
        case "numpy.dtype":
            guard a.count == 3, let code = a[0].text else { throw u.bad("bad numpy.dtype arguments") }
            guard dtypes[code] != nil else {
                throw u.refuse("a numpy array has dtype '\(printable(code))' (f4, f8 and i8 are read)")
            }
            return .numpyDType(code: code, byteOrder: "<")
        case "_codecs.encode":
            guard a.count == 2, let text = a[0].text, a[1].text == "latin1" || a[1].text == "latin-1" else {
                throw u.bad("bad _codecs.encode arguments (only latin1 text is read)")
            }
            return .bytes(try latin1Bytes(text, u))
        default:
            throw u.refuse("\(name) cannot be called")
        }
    }

    static func build(_ object: PickleValue, state: PickleValue, _ u: Unpickler<Self>) throws -> PickleValue {
        switch object {
        case .numpyDType(let code, _):
            guard case .tuple(let s) = state, s.count >= 2, let order = s[1].text else { throw u.bad("bad numpy.dtype state") }
            guard order == "<" else {
                throw u.refuse("a numpy array has dtype '\(printable(order + code))' (only little-endian values are read)")
            }
            return .numpyDType(code: code, byteOrder: order)
        case .numpyArray(nil):
            guard case .tuple(let s) = state, s.count == 5, case .tuple(let dims) = s[1],
                  case .numpyDType(let code, _) = s[2], case .bool(let fortran) = s[3] else {
                throw u.bad("bad numpy array state")
            }
            let shape = try dims.map { v -> Int in guard case .int(let i) = v, i >= 0 else { throw u.bad("bad array shape") }; return i }
            let data: [UInt8]
            switch s[4] {
            case .bytes(let b), .latin1(let b): data = b
            case .string(let text): data = try latin1Bytes(text, u)
            default: throw u.refuse("a numpy array holds Python objects, not numbers")
            }
            let dtype = dtypes[code]!
            var count = 1
            for d in shape {
                let (c, o) = count.multipliedReportingOverflow(by: d)
                guard !o else { throw u.bad("array shape \(shape) is too large") }
                count = c
            }
            guard count <= data.count / dtype.size, count * dtype.size == data.count else {
                throw u.bad("array of shape \(shape) holds \(data.count) bytes, expected \(count) × \(dtype.size)")
            }
            return .numpyArray(NumpyArray(shape: shape, dtype: dtype, fortran: fortran, data: data))
        default:
            throw u.refuse("BUILD on something other than a numpy array or dtype")
        }
    }

    /// The bytes of text read as latin-1 (each character one byte).
    static func latin1Bytes(_ text: String, _ u: Unpickler<Self>) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for s in text.unicodeScalars {
            guard s.value < 256 else { throw u.bad("latin1 text holds a character beyond U+00FF") }
            out.append(UInt8(s.value))
        }
        return out
    }
}

extension NumpyArray {
    /// The values widened to Float32, in C (row-major) order.
    func entry() -> TensorEntry {
        let count = shape.reduce(1, *)
        var flat = data.withUnsafeBytes { Safetensors.widen($0, dtype: dtype, count: count) }
        if fortran && shape.count > 1 {
            // Fortran order: the first index varies fastest.
            var c = [Float](repeating: 0, count: count)
            var idx = [Int](repeating: 0, count: shape.count)
            for f in 0..<count {
                var off = 0
                for d in 0..<shape.count { off = off * shape[d] + idx[d] }
                c[off] = flat[f]
                var d = 0
                while d < shape.count { idx[d] += 1; if idx[d] < shape[d] { break }; idx[d] = 0; d += 1 }
            }
            flat = c
        }
        return TensorEntry(shape: shape, dtype: dtype, values: flat)
    }
}
