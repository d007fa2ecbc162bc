import CFFmpeg
import Foundation
import VPSCore

/// Still images through FFmpeg: any format it decodes in, lossless RGB PNG out.
public enum ImageFile {
    /// Reads the first frame of `path` (PNG, JPEG, … or a video) as RGB24.
    public static func read(_ path: String) throws -> RGBImage {
        let decoder = try VideoDecoder(path: path, selection: FrameSelection(count: 1))
        guard let frame = try decoder.nextFrame() else {
            throw VPSError.unreadableInput(path: path, reason: "no image in it")
        }
        return frame.image
    }

    /// Encodes an image as an RGB24 PNG.
    public static func pngData(_ image: RGBImage) throws -> [UInt8] {
        _ = silenceFFmpegLogs
        guard let enc = avcodec_find_encoder(AV_CODEC_ID_PNG) else {
            throw VPSError.internalFailure("FFmpeg has no PNG encoder")
        }
        var ctx = avcodec_alloc_context3(enc)
        var frame = av_frame_alloc()
        var pkt = av_packet_alloc()
        defer { avcodec_free_context(&ctx); av_frame_free(&frame); av_packet_free(&pkt) }
        guard let ctx, let frame, let pkt else { throw VPSError.internalFailure("cannot allocate the PNG encoder") }
        ctx.pointee.width = Int32(image.width)
        ctx.pointee.height = Int32(image.height)
        ctx.pointee.pix_fmt = AV_PIX_FMT_RGB24
        ctx.pointee.time_base = AVRational(num: 1, den: 1)
        guard avcodec_open2(ctx, enc, nil) >= 0 else { throw VPSError.internalFailure("cannot open the PNG encoder") }
        frame.pointee.format = AV_PIX_FMT_RGB24.rawValue
        frame.pointee.width = Int32(image.width)
        frame.pointee.height = Int32(image.height)
        guard av_frame_get_buffer(frame, 0) >= 0 else { throw VPSError.internalFailure("cannot allocate a frame") }
        let line = Int(vps_frame_linesize(frame, 0))
        let base = vps_frame_plane(frame, 0)!
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<image.height {
                (base + y * line).update(from: src.baseAddress! + y * image.rowBytes, count: image.rowBytes)
            }
        }
        var out: [UInt8] = []
        guard avcodec_send_frame(ctx, frame) >= 0, avcodec_send_frame(ctx, nil) >= 0 else {
            throw VPSError.internalFailure("PNG encoding failed")
        }
        while avcodec_receive_packet(ctx, pkt) >= 0 {
            out.append(contentsOf: UnsafeBufferPointer(start: pkt.pointee.data, count: Int(pkt.pointee.size)))
            av_packet_unref(pkt)
        }
        guard !out.isEmpty else { throw VPSError.internalFailure("PNG encoder produced nothing") }
        return out
    }

    /// Writes `image` as a PNG at `path`, atomically (temporary name, then rename).
    public static func writePNG(_ image: RGBImage, to path: String) throws {
        let bytes = try pngData(image)
        let out = try AtomicOutput(path: path)
        guard FileManager.default.createFile(atPath: out.temporaryPath, contents: Data(bytes)) else {
            out.discard()
            throw VPSError.outputNotWritable(path: path, reason: "write failed")
        }
        try out.commit()
    }
}
