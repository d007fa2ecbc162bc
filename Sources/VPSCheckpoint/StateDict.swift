/// Element types a checkpoint may hold.
public enum DType: String, Codable, Sendable, CaseIterable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64", i64 = "I64", i32 = "I32", u8 = "U8", bool = "BOOL"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16: return 2
        case .u8, .bool: return 1
        }
    }
}

/// One named tensor of a checkpoint, its values widened to Float32.
public struct TensorEntry: Equatable, Sendable {
    public var shape: [Int]
    /// The element type as stored in the file.
    public var dtype: DType
    /// Row-major (C order) values, `shape.reduce(1, *)` of them.
    public var values: [Float]

    public init(shape: [Int], dtype: DType = .f32, values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        self.shape = shape
        self.dtype = dtype
        self.values = values
    }
}

/// A checkpoint in memory: torchvision parameter names → tensors, plus
/// string metadata (the safetensors `__metadata__`, e.g. the model config).
public struct StateDict: Sendable {
    public var tensors: [String: TensorEntry]
    public var metadata: [String: String]

    public init(tensors: [String: TensorEntry] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Names in sorted order.
    public var names: [String] { tensors.keys.sorted() }

    /// Total number of elements.
    public var parameterCount: Int { tensors.values.reduce(0) { $0 + $1.values.count } }
}

/// Why a checkpoint could not be read or used. Each message names the file
/// or tensor concerned.
public enum CheckpointError: Error, Equatable, CustomStringConvertible, Sendable {
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    case unsupportedDType(name: String, dtype: String)
    case rejectedPickle(path: String, reason: String)
    /// Every mismatch between a checkpoint and what the model config expects.
    case mismatches([String])

    /// The problem without the path, on one line (for "cannot read PATH: …" messages).
    public var reason: String {
        switch self {
        case .unreadable(_, let r), .malformed(_, let r): return Self.oneLine(r)
        case .unsupportedDType(let n, let d): return Self.oneLine("tensor \(n) has unsupported dtype \(d)")
        case .rejectedPickle(_, let r): return Self.oneLine("unsafe pickle rejected: \(r)")
        case .mismatches(let m): return Self.summary(of: m)
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let p, let r): return Self.oneLine("cannot read checkpoint \(p): \(r)")
        case .malformed(let p, let r): return Self.oneLine("checkpoint \(p) is malformed: \(r)")
        case .unsupportedDType(let n, let d): return Self.oneLine("tensor \(n) has unsupported dtype \(d)")
        case .rejectedPickle(let p, let r): return Self.oneLine("refusing to load \(p): \(r)")
        case .mismatches(let m):
            return "checkpoint does not match the model config (\(m.count) problem\(m.count == 1 ? "" : "s")):\n  " + m.joined(separator: "\n  ")
        }
    }
}

extension CheckpointError {
    /// `text` with control characters (names read from a damaged file may
    /// hold newlines) shown as `?`, so that a message stays on one line.
    static func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : $0 }))
    }

    /// One short line for a list of mismatches: how many tensors are missing,
    /// unexpected or of the wrong shape, the first few names of each, and a
    /// hint about what the file seems to be.
    static func summary(of problems: [String]) -> String {
        func names(_ prefix: String) -> [String] {
            problems.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count).split(separator: " ").first ?? "") }
        }
        let missing = names("missing tensor "), unexpected = names("unexpected tensor ")
        // "tensor NAME has shape …" / "tensor NAME has dtype …"
        let wrong = problems.filter { !$0.hasPrefix("missing tensor ") && !$0.hasPrefix("unexpected tensor ") }
            .map { p in p.split(separator: " ").dropFirst().first.map(String.init) ?? p }
        func firstFew(_ list: [String]) -> String {
            list.prefix(3).joined(separator: ", ") + (list.count > 3 ? ", …" : "")
        }
        var parts: [String] = []
        if !missing.isEmpty { parts.append("\(missing.count) missing (\(firstFew(missing)))") }
        if !unexpected.isEmpty { parts.append("\(unexpected.count) unexpected (\(firstFew(unexpected)))") }
        if !wrong.isEmpty { parts.append("\(wrong.count) of another shape or dtype (\(firstFew(wrong)))") }
        var line = "does not fit the model config: " + parts.joined(separator: ", ")
        if let hint = hint(missing: missing, unexpected: unexpected, wrong: wrong) { line += "; " + hint }
        return line
    }

    static func hint(missing: [String], unexpected: [String], wrong: [String]) -> String? {
        let known = ["backbone.", "rpn.", "roi_heads.", "track_head.", "sem_seg_head."]
        if !unexpected.isEmpty, unexpected.allSatisfy({ $0.hasPrefix("module.") }) {
            return "its names start with 'module.' (saved from DataParallel); save model.module.state_dict() instead"
        }
        if !missing.isEmpty, wrong.isEmpty, !unexpected.contains(where: { n in known.contains { n.hasPrefix($0) } }) {
            return "it holds no Mask R-CNN tensors at all, so it is not a torchvision Mask R-CNN checkpoint"
        }
        if !missing.isEmpty, unexpected.isEmpty, wrong.isEmpty,
           missing.allSatisfy({ $0.hasPrefix("track_head.") || $0.hasPrefix("sem_seg_head.") }) {
            return "the config declares a track or semantic head that the file does not have"
        }
        if wrong.contains(where: { $0.contains("roi_heads.box_predictor.cls_score") }) {
            return "its number of classes differs from the config's classNames (set them with --model-config)"
        }
        if missing.contains(where: { $0.contains(".conv3.") }) || unexpected.contains(where: { $0.contains(".conv3.") }) {
            return "its ResNet blocks differ (basic for ResNet-18/34, bottleneck for 50/101); set backbone in --model-config"
        }
        return "its architecture differs from the config (a .pth is read as torchvision's COCO R50-FPN unless --model-config says otherwise)"
    }
}
