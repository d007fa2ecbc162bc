import VPSCore
import VPSPipeline
import VPSVideo

/// The `encode` sink: writes each packet's canvas to an H.264 MP4.
///
/// The encoder opens on the first frame (when the canvas size is known). The
/// output's timestamps are the input's, shifted so the first selected frame is
/// at 0; its nominal frame rate is the input's divided by `--stride`. On
/// `finish()` the file is completed and renamed onto its final name; on
/// `abort()` the temporary file is removed.
///
/// `keep` limits the frames written to a range of source frame indices
/// (`keep_first`…`keep_last` in a pipeline, inclusive): a chunk of a video
/// (`vps annotate --segment`) decodes and tracks its overlap frames but
/// encodes only the frames it owns, so that chunk videos join end to end.
public final class EncodeStage: Stage {
    public let name = "encode"
    public let requires = [CanvasKey.name]
    public let provides: [String] = []
    public let path: String
    public let frameRate: Rational
    public let settings: EncoderSettings
    /// Source frames to encode; nil encodes all.
    public let keep: ClosedRange<Int>?
    private var encoder: VideoEncoder?
    private var origin: Double?

    public init(path: String, frameRate: Rational, settings: EncoderSettings, keep: ClosedRange<Int>? = nil) throws {
        try AtomicOutput.validateDestination(path)
        self.path = path
        self.frameRate = frameRate
        self.settings = settings
        self.keep = keep
    }

    /// Frames written so far.
    public var framesWritten: Int { encoder?.framesWritten ?? 0 }

    public func process(_ packet: inout Packet) throws {
        try write(try packet.require(CanvasKey.self), of: packet.frame)
    }

    /// A frame whose canvas is a gap (nothing was drawn for it) is written as decoded.
    public func processGap(_ packet: inout Packet, missing: [String]) throws {
        try write(packet.frame.image, of: packet.frame)
    }

    private func write(_ canvas: RGBImage, of frame: VideoFrame) throws {
        if let keep, !keep.contains(frame.sourceIndex) { return }
        if encoder == nil {
            encoder = try VideoEncoder(path: path, width: canvas.width, height: canvas.height,
                                       frameRate: frameRate, settings: settings)
        }
        let t0 = origin ?? frame.timestamp
        origin = t0
        try encoder!.write(canvas, timestamp: frame.timestamp - t0)
    }

    public func finish() throws { try encoder?.finish() }
    public func abort() { encoder?.abort() }

    /// The `encode` stage's settings.
    public struct Settings: SettingsDecodable, Equatable {
        /// x264 preset, `ultrafast` … `veryslow`.
        public var preset = "veryfast"
        /// x264 constant rate factor, 0…51 (lower: better).
        public var crf = 20
        /// First source frame index to encode.
        public var keepFirst = 0
        /// Last source frame index to encode (inclusive).
        public var keepLast = Int.max

        /// x264's presets, fastest first.
        public static let presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"]

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case preset, crf, keepFirst = "keep_first", keepLast = "keep_last"
        }
        public static let settingsOwner = "encode"

        public init(from decoder: Decoder) throws {
            self = try Self.decoded(from: decoder) { c, s in
                try c.decode(.preset, into: &s.preset)
                try c.decode(.crf, into: &s.crf)
                try c.decode(.keepFirst, into: &s.keepFirst)
                try c.decode(.keepLast, into: &s.keepLast)
            }
        }

        /// Checks ranges; throws `VPSError.invalidPipeline` naming the key.
        public func validate() throws {
            guard (0...51).contains(crf) else { throw VPSError.invalidPipeline("encode crf must be 0…51, got \(crf)") }
            guard Self.presets.contains(preset) else {
                throw VPSError.invalidPipeline("encode preset '\(preset)' is unknown; valid: \(Self.presets.joined(separator: ", "))")
            }
            guard keepFirst >= 0, keepFirst <= keepLast else { throw VPSError.invalidPipeline("encode keep_first must be 0…keep_last") }
        }

        /// The source frames to encode; nil for all.
        public var keep: ClosedRange<Int>? { keepFirst == 0 && keepLast == Int.max ? nil : keepFirst...keepLast }
    }

    static let definition = StageDefinition(
        name: "encode", summary: "encode the canvas to H.264 MP4 (libx264, yuv420p, +faststart)", settings: Settings.self,
        builder: .stage { settings, context in
            guard let output = context.output else { throw VPSError.invalidArgument("an output path (-o) is required") }
            let s = try settings.decode(Settings.self)
            var rate = context.frameRate ?? Rational(25, 1)
            if context.selection.stride > 1 { rate = Rational(rate.num, rate.den * context.selection.stride) }
            return try EncodeStage(path: output, frameRate: rate,
                                   settings: EncoderSettings(preset: s.preset, crf: s.crf, threads: context.threads), keep: s.keep)
        })
}
