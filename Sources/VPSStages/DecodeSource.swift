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

    static let definition = StageDefinition(
        name: "decode", summary: "decode the input with FFmpeg into RGB frames", keys: ["threads"],
        builder: .source { settings, context in
            let source = try DecodeSource(path: context.input, selection: context.selection,
                                          threads: try settings.int("threads", default: context.threads))
            context.frameRate = source.decoder.frameRate
            return source
        })
}
