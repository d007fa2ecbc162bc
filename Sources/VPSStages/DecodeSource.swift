import VPSCore
import VPSPipeline
import VPSVideo

/// The `decode` source: frames of the input through FFmpeg (see `VideoDecoder`).
public final class DecodeSource: FrameSource {
    public let name = "decode"
    public let decoder: VideoDecoder

    public init(path: String, selection: FrameSelection, threads: Int) throws {
        decoder = try VideoDecoder(path: path, selection: selection, threads: threads)
    }

    public var expectedFrameCount: Int? { decoder.expectedFrameCount }
    public var warnings: [String] { decoder.warnings }
    public func next() throws -> VideoFrame? { try decoder.nextFrame() }

    /// The `decode` stage's settings.
    public struct Settings: SettingsDecodable, Equatable {
        /// Decoder threads; nil: the command's `--threads`.
        public var threads: Int?

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable { case threads }
        public static let settingsOwner = "decode"

        public init(from decoder: Decoder) throws {
            self = try Self.decoded(from: decoder) { c, s in try c.decode(.threads, into: &s.threads) }
        }
    }

    static let definition = StageDefinition(
        name: "decode", summary: "decode the input with FFmpeg into RGB frames", settings: Settings.self,
        builder: .source { settings, context in
            let s = try settings.decode(Settings.self)
            let source = try DecodeSource(path: context.input, selection: context.selection, threads: s.threads ?? context.threads)
            context.frameRate = source.decoder.frameRate
            return source
        })
}
