import CVBridge
import VPSCore

/// Optical-flow algorithms available to the motion stage.
public enum FlowMethod: Equatable, Sendable {
    /// OpenCV's DIS (Dense Inverse Search) with a speed/quality preset.
    case dis(DISPreset)
    /// OpenCV's Farneback (5 levels, window 15). Slower; does not parallelise.
    case farneback

    /// DIS presets, fastest first.
    public enum DISPreset: String, CaseIterable, Sendable {
        case ultrafast, fast, medium
        var code: Int32 {
            switch self {
            case .ultrafast: return Int32(VPS_DIS_ULTRAFAST.rawValue)
            case .fast: return Int32(VPS_DIS_FAST.rawValue)
            case .medium: return Int32(VPS_DIS_MEDIUM.rawValue)
            }
        }
    }

    /// Parses "dis" (with a preset) or "farneback".
    public init(name: String, preset: String = "fast") throws {
        switch name.lowercased() {
        case "dis":
            guard let p = DISPreset(rawValue: preset.lowercased()) else {
                throw VPSError.invalidArgument("unknown DIS preset '\(preset)'; valid: ultrafast, fast, medium")
            }
            self = .dis(p)
        case "farneback": self = .farneback
        default: throw VPSError.invalidArgument("unknown flow method '\(name)'; valid: dis, farneback")
        }
    }
}

/// Computes dense optical flow between RGB frames with OpenCV.
///
/// `scale` sets the resolution the flow is computed at (0.5 = half width and
/// height); the returned field then has that resolution and its values are in
/// pixels of that resolution (see `FlowField`). Not thread-safe: use one
/// estimator per stage.
public final class FlowEstimator {
    public let method: FlowMethod
    public let scale: Double
    private let handle: OpaquePointer

    public init(method: FlowMethod = .dis(.fast), scale: Double = 1) throws {
        guard scale > 0, scale <= 1 else { throw VPSError.invalidArgument("flow scale must be in (0, 1], got \(scale)") }
        self.method = method
        self.scale = scale
        var err = [CChar](repeating: 0, count: 256)
        let (m, p): (Int32, Int32)
        switch method {
        case .dis(let preset): (m, p) = (Int32(VPS_FLOW_DIS.rawValue), preset.code)
        case .farneback: (m, p) = (Int32(VPS_FLOW_FARNEBACK.rawValue), 0)
        }
        guard let h = vps_flow_create(m, p, &err, err.count) else {
            throw VPSError.internalFailure("cannot create the optical-flow estimator: \(String(cString: err))")
        }
        handle = h
    }

    deinit { vps_flow_destroy(handle) }

    /// Size of the fields computed for a `width`×`height` image.
    public func fieldSize(width: Int, height: Int) -> (width: Int, height: Int) {
        (max(1, Int((Double(width) * scale).rounded())), max(1, Int((Double(height) * scale).rounded())))
    }

    /// The image as 8-bit gray at the estimator's scale; feed it to `flow(fromGray:toGray:)`.
    public func gray(_ image: RGBImage) throws -> GrayImage {
        let (w, h) = fieldSize(width: image.width, height: image.height)
        var out = [UInt8](repeating: 0, count: w * h)
        var err = [CChar](repeating: 0, count: 256)
        let rc = image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                vps_rgb_to_gray(src.baseAddress, Int32(image.width), Int32(image.height),
                                dst.baseAddress, Int32(w), Int32(h), &err, err.count)
            }
        }
        guard rc == 0 else { throw VPSError.internalFailure("gray conversion failed: \(String(cString: err))") }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// Flow from `a` to `b`: a(x, y) ≈ b(x + dx, y + dy).
    public func flow(fromGray a: GrayImage, toGray b: GrayImage) throws -> FlowField {
        guard a.width == b.width, a.height == b.height else {
            throw VPSError.internalFailure("flow between images of different sizes (\(a.width)x\(a.height) and \(b.width)x\(b.height))")
        }
        var field = [Float](repeating: 0, count: a.width * a.height * 2)
        var err = [CChar](repeating: 0, count: 512)
        let rc = a.pixels.withUnsafeBufferPointer { pa in
            b.pixels.withUnsafeBufferPointer { pb in
                field.withUnsafeMutableBufferPointer { f in
                    vps_flow_calc(handle, pa.baseAddress, pb.baseAddress, Int32(a.width), Int32(a.height),
                                  f.baseAddress, &err, err.count)
                }
            }
        }
        guard rc == 0 else { throw VPSError.internalFailure("optical flow failed: \(String(cString: err))") }
        return FlowField(width: a.width, height: a.height, data: field)
    }

    /// Flow from image `a` to image `b` (RGB): a(x, y) ≈ b(x + dx, y + dy).
    public func flow(from a: RGBImage, to b: RGBImage) throws -> FlowField {
        try flow(fromGray: gray(a), toGray: gray(b))
    }

    /// Sets OpenCV's worker threads for every estimator (0 = OpenCV's default).
    public static func setThreads(_ n: Int) { vps_cv_set_threads(Int32(n)) }

    /// OpenCV's current number of worker threads.
    public static var threads: Int { Int(vps_cv_get_threads()) }
}

/// An 8-bit single-channel image, row-major, unpadded.
public struct GrayImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]
}
