import Foundation

/// Reads and writes the safetensors format: an 8-byte little-endian header
/// length, a JSON header `{name: {dtype, shape, data_offsets}, "__metadata__": {…}}`
/// and the raw little-endian tensor bytes.
public enum Safetensors {
    /// The largest header accepted (100 MB), as in the reference implementation.
    public static let maxHeaderBytes = 100_000_000

    public static func read(path: String) throws -> StateDict {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CheckpointError.unreadable(path: path, reason: "no such file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError.unreadable(path: path, reason: "permission denied or not a file")
        }
        return try decode(data, path: path)
    }

    /// Parses safetensors bytes; `path` is only used in error messages.
    public static func decode(_ data: Data, path: String = "<memory>") throws -> StateDict {
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw CheckpointError.malformed(path: path, reason: "file is shorter than the 8-byte header length") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(maxHeaderBytes), 8 + Int(n) <= bytes.count else {
            throw CheckpointError.malformed(path: path, reason: "not a safetensors file (its header length \(n) exceeds the file of \(bytes.count) bytes)")
        }
        let headerEnd = 8 + Int(n)
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])) } catch {
            throw CheckpointError.malformed(path: path, reason: "header is not valid JSON")
        }
        guard let header = json as? [String: Any] else { throw CheckpointError.malformed(path: path, reason: "header is not a JSON object") }
        let dataLen = bytes.count - headerEnd
        var out = StateDict()
        var ranges: [(Int, Int, String)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else {
                    throw CheckpointError.malformed(path: path, reason: "__metadata__ must map strings to strings")
                }
                out.metadata = m
                continue
            }
            guard let info = value as? [String: Any], let dt = info["dtype"] as? String,
                  let shapeAny = info["shape"] as? [Any], let offAny = info["data_offsets"] as? [Any], offAny.count == 2 else {
                throw CheckpointError.malformed(path: path, reason: "entry \(name) lacks dtype, shape or data_offsets")
            }
            guard let dtype = DType(rawValue: dt) else { throw CheckpointError.unsupportedDType(name: name, dtype: dt) }
            let shape = try shapeAny.map { v -> Int in
                guard let i = (v as? NSNumber)?.intValue, i >= 0, i < 1 << 40 else {
                    throw CheckpointError.malformed(path: path, reason: "entry \(name) has an invalid shape")
                }
                return i
            }
            let offs = try offAny.map { v -> Int in
                guard let i = (v as? NSNumber)?.intValue, i >= 0 else {
                    throw CheckpointError.malformed(path: path, reason: "entry \(name) has invalid data_offsets")
                }
                return i
            }
            let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
            guard offs[0] <= offs[1], offs[1] <= dataLen else {
                throw CheckpointError.malformed(path: path, reason: "entry \(name) points outside the file (truncated?)")
            }
            let byteCount = count.multipliedReportingOverflow(by: dtype.size)
            guard count != Int.max, !byteCount.overflow, offs[1] - offs[0] == byteCount.partialValue else {
                throw CheckpointError.malformed(path: path, reason: "entry \(name): \(offs[1] - offs[0]) bytes for shape \(shape) of \(dt)")
            }
            ranges.append((offs[0], offs[1], name))
            let values = bytes.withUnsafeBufferPointer { buf in
                widen(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buf)[(headerEnd + offs[0])..<(headerEnd + offs[1])]),
                      dtype: dtype, count: count)
            }
            out.tensors[name] = TensorEntry(shape: shape, dtype: dtype, values: values)
        }
        ranges.sort { $0.0 < $1.0 }
        for i in 1..<max(ranges.count, 1) where ranges[i].0 < ranges[i - 1].1 {
            throw CheckpointError.malformed(path: path, reason: "entries \(ranges[i - 1].2) and \(ranges[i].2) overlap")
        }
        return out
    }

    /// Little-endian values of `dtype` widened to Float32.
    static func widen(_ raw: UnsafeRawBufferPointer, dtype: DType, count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        for i in 0..<count {
            switch dtype {
            case .f32: out[i] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self).littleEndian)
            case .f64: out[i] = Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self).littleEndian))
            case .bf16: out[i] = Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self).littleEndian) << 16)
            case .f16: out[i] = halfToFloat(raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self).littleEndian)
            case .i64: out[i] = Float(Int64(bitPattern: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self).littleEndian))
            case .i32: out[i] = Float(Int32(bitPattern: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self).littleEndian))
            case .u8, .bool: out[i] = Float(raw[i])
            }
        }
        return out
    }

    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exp = Int((h >> 10) & 0x1f), frac = UInt32(h & 0x3ff)
        if exp == 0 {
            let v = Float(frac) * powf(2, -24)
            return sign != 0 ? -v : v
        }
        if exp == 31 { return Float(bitPattern: sign | 0x7f80_0000 | (frac << 13)) }
        return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (frac << 13))
    }

    /// Serialises float tensors as F32 (names sorted, as the reference writer does).
    public static func encode(_ dict: StateDict) throws -> Data {
        var header: [String: Any] = [:]
        if !dict.metadata.isEmpty { header["__metadata__"] = dict.metadata }
        var body = Data()
        for name in dict.names {
            let t = dict.tensors[name]!
            let start = body.count
            if 1.littleEndian == 1 {
                t.values.withUnsafeBytes { body.append(contentsOf: $0) }
            } else {
                for v in t.values { var le = v.bitPattern.littleEndian; withUnsafeBytes(of: &le) { body.append(contentsOf: $0) } }
            }
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [start, body.count]] as [String: Any]
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        var n = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(json)
        out.append(body)
        return out
    }

    public static func write(_ dict: StateDict, to path: String) throws {
        let data = try encode(dict)
        do { try data.write(to: URL(fileURLWithPath: path)) } catch {
            throw CheckpointError.unreadable(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}
