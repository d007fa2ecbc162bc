import CFFmpeg
import VPSCore

/// Settings for `VideoEncoder`.
public struct EncoderSettings: Equatable, Sendable {
    /// x264 preset: ultrafast … veryslow.
    public var preset: String = "veryfast"
    /// x264 constant rate factor (0 = lossless luma, 23 = x264's default).
    public var crf: Int = 20
    /// Encoder threads; 0 lets x264 choose.
    public var threads: Int = 0

    public init(preset: String = "veryfast", crf: Int = 20, threads: Int = 0) {
        self.preset = preset
        self.crf = crf
        self.threads = threads
    }
}

/// Encodes RGB24 frames to H.264 (libx264, yuv420p) in an MP4 (or MOV/MKV,
/// by the output's extension), with `+faststart` for MP4/MOV.
///
/// - Timestamps: each frame is written at the timestamp given (seconds),
///   on a 1/90000 s clock, so constant and variable frame rates survive;
///   frames without a timestamp are spaced at the nominal frame rate.
///   Timestamps that do not increase are nudged forward by one tick.
/// - Odd sizes: yuv420p needs even dimensions, so an odd width or height is
///   padded by one pixel that repeats the last column or row (641×359 is
///   written as 642×360). `outputWidth`/`outputHeight` give the size written.
/// - Atomicity: bytes go to a hidden temporary file beside the output, renamed
///   onto the final name by `finish()`. `abort()` (or deinit without
///   `finish()`) removes it, so no half-written file is left under the name.
public final class VideoEncoder {
    public let width: Int
    public let height: Int
    public let outputWidth: Int
    public let outputHeight: Int
    public let frameRate: Rational
    public var path: String { output.finalPath }
    /// Frames written so far.
    public private(set) var framesWritten = 0

    private static let clock: Int32 = 90_000
    private let output: AtomicOutput
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var stream: UnsafeMutablePointer<AVStream>?
    private var yuv: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var sws: OpaquePointer?
    private var padded: [UInt8] = []
    private var lastPTS: Int64 = -1
    private let frameTicks: Int64
    private var fileOpen = false
    private var finished = false

    /// Opens the output. Throws a `VPSError` for a missing directory, an
    /// unwritable path, an unknown container extension or invalid settings.
    public init(path: String, width: Int, height: Int, frameRate: Rational, settings: EncoderSettings = .init()) throws {
        _ = silenceFFmpegLogs
        guard width > 0, height > 0 else { throw VPSError.invalidArgument("cannot encode a \(width)x\(height) video") }
        let rate = frameRate.isValid ? frameRate : Rational(25, 1)
        self.width = width
        self.height = height
        self.outputWidth = width + width % 2
        self.outputHeight = height + height % 2
        self.frameRate = rate
        self.frameTicks = max(1, Int64((Double(Self.clock) / rate.doubleValue).rounded()))
        guard let oformat = av_guess_format(nil, path, nil) else {
            throw VPSError.invalidArgument("cannot tell the container format from the name \(path); use .mp4, .mov or .mkv")
        }
        output = try AtomicOutput(path: path)
        do {
            try open(oformat: oformat, settings: settings)
        } catch {
            close()
            output.discard()
            throw error
        }
    }

    private func open(oformat: UnsafePointer<AVOutputFormat>, settings: EncoderSettings) throws {
        var fmt: UnsafeMutablePointer<AVFormatContext>?
        guard avformat_alloc_output_context2(&fmt, oformat, nil, output.temporaryPath) >= 0, let fmt else {
            throw VPSError.internalFailure("cannot create the output container")
        }
        format = fmt
        guard let enc = avcodec_find_encoder_by_name("libx264") ?? avcodec_find_encoder(AV_CODEC_ID_H264) else {
            throw VPSError.internalFailure("FFmpeg has no H.264 encoder (install libavcodec with libx264)")
        }
        guard let ctx = avcodec_alloc_context3(enc) else { throw VPSError.internalFailure("cannot allocate the encoder") }
        codec = ctx
        ctx.pointee.width = Int32(outputWidth)
        ctx.pointee.height = Int32(outputHeight)
        ctx.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        ctx.pointee.time_base = AVRational(num: 1, den: Self.clock)
        ctx.pointee.framerate = frameRate.av
        ctx.pointee.thread_count = Int32(settings.threads)
        if (fmt.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER) != 0 {
            ctx.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        }
        av_opt_set(ctx.pointee.priv_data, "preset", settings.preset, 0)
        av_opt_set(ctx.pointee.priv_data, "crf", String(settings.crf), 0)
        let rc = avcodec_open2(ctx, enc, nil)
        guard rc >= 0 else {
            throw VPSError.invalidArgument("cannot open the H.264 encoder with preset \(settings.preset) (\(ffmpegErrorString(rc)))")
        }
        guard let st = avformat_new_stream(fmt, nil) else { throw VPSError.internalFailure("cannot add a video stream") }
        stream = st
        st.pointee.time_base = ctx.pointee.time_base
        st.pointee.avg_frame_rate = frameRate.av
        avcodec_parameters_from_context(st.pointee.codecpar, ctx)

        let orc = avio_open(&fmt.pointee.pb, output.temporaryPath, AVIO_FLAG_WRITE)
        guard orc >= 0 else {
            throw VPSError.outputNotWritable(path: output.finalPath, reason: ffmpegErrorString(orc))
        }
        fileOpen = true
        var opts: OpaquePointer?
        let name = String(cString: fmt.pointee.oformat.pointee.name)
        if name == "mp4" || name == "mov" { av_dict_set(&opts, "movflags", "+faststart", 0) }
        let hrc = avformat_write_header(fmt, &opts)
        av_dict_free(&opts)
        guard hrc >= 0 else {
            throw VPSError.outputNotWritable(path: output.finalPath, reason: "cannot write the header (\(ffmpegErrorString(hrc)))")
        }

        guard let yuv = av_frame_alloc(), let pkt = av_packet_alloc() else {
            throw VPSError.internalFailure("cannot allocate FFmpeg frames")
        }
        self.yuv = yuv
        self.packet = pkt
        yuv.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        yuv.pointee.width = Int32(outputWidth)
        yuv.pointee.height = Int32(outputHeight)
        guard av_frame_get_buffer(yuv, 0) >= 0 else { throw VPSError.internalFailure("cannot allocate a YUV frame") }
        sws = sws_getContext(Int32(outputWidth), Int32(outputHeight), AV_PIX_FMT_RGB24,
                             Int32(outputWidth), Int32(outputHeight), AV_PIX_FMT_YUV420P,
                             SWS_BILINEAR | SWS_ACCURATE_RND, nil, nil, nil)
        guard sws != nil else { throw VPSError.internalFailure("cannot create the RGB to YUV converter") }
    }

    /// Encodes one frame. `timestamp` is in seconds; nil spaces frames at the nominal rate.
    public func write(_ image: RGBImage, timestamp: Double? = nil) throws {
        precondition(!finished, "write after finish")
        guard image.width == width, image.height == height else {
            throw VPSError.internalFailure("frame is \(image.width)x\(image.height), encoder expects \(width)x\(height)")
        }
        guard let yuv, let codec else { return }
        guard av_frame_make_writable(yuv) >= 0 else { throw VPSError.internalFailure("YUV frame not writable") }
        let rgb = paddedPixels(image)
        rgb.withUnsafeBufferPointer { src in
            var srcPlanes: [UnsafePointer<UInt8>?] = [src.baseAddress, nil, nil, nil]
            var srcStrides: [Int32] = [Int32(outputWidth * 3), 0, 0, 0]
            withPlanes(yuv) { planes, lines in
                _ = sws_scale(sws, &srcPlanes, &srcStrides, 0, Int32(outputHeight), planes, lines)
            }
        }
        var pts: Int64
        if let timestamp {
            pts = Int64((timestamp * Double(Self.clock)).rounded())
        } else {
            pts = Int64(framesWritten) * frameTicks
        }
        if pts <= lastPTS { pts = lastPTS + 1 }
        lastPTS = pts
        yuv.pointee.pts = pts
        try send(yuv, to: codec)
        framesWritten += 1
    }

    /// Flushes the encoder, writes the trailer and renames the file onto its
    /// final name. Returns the number of frames written.
    @discardableResult
    public func finish() throws -> Int {
        guard !finished else { return framesWritten }
        finished = true
        do {
            if let codec { try send(nil, to: codec) }
            if let format {
                let rc = av_write_trailer(format)
                guard rc >= 0 else { throw VPSError.outputNotWritable(path: path, reason: ffmpegErrorString(rc)) }
            }
            close()
            try output.commit()
        } catch {
            close()
            output.discard()
            throw error
        }
        return framesWritten
    }

    /// Stops encoding and removes the temporary file.
    public func abort() {
        finished = true
        close()
        output.discard()
    }

    deinit {
        if !finished { abort() } else { close() }
    }

    private func close() {
        if fileOpen, let format {
            avio_closep(&format.pointee.pb)
            fileOpen = false
        }
        sws_freeContext(sws); sws = nil
        av_frame_free(&yuv)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
        avformat_free_context(format); format = nil
    }

    private func send(_ frame: UnsafeMutablePointer<AVFrame>?, to ctx: UnsafeMutablePointer<AVCodecContext>) throws {
        let rc = avcodec_send_frame(ctx, frame)
        guard rc >= 0 else { throw VPSError.internalFailure("encoder rejected a frame (\(ffmpegErrorString(rc)))") }
        guard let packet, let stream, let format else { return }
        while true {
            let r = avcodec_receive_packet(ctx, packet)
            if r == vps_averror(EAGAIN) || r == vps_averror_eof() { return }
            guard r >= 0 else { throw VPSError.internalFailure("encoding failed (\(ffmpegErrorString(r)))") }
            // A zero duration makes the MP4 edit list drop the last frame.
            if packet.pointee.duration <= 0 { packet.pointee.duration = frameTicks }
            av_packet_rescale_ts(packet, ctx.pointee.time_base, stream.pointee.time_base)
            packet.pointee.stream_index = stream.pointee.index
            let w = av_interleaved_write_frame(format, packet)
            guard w >= 0 else {
                throw VPSError.outputNotWritable(path: path, reason: ffmpegErrorString(w))
            }
        }
    }

    /// The image's pixels, padded to even dimensions by repeating the last column/row.
    private func paddedPixels(_ image: RGBImage) -> [UInt8] {
        if outputWidth == width && outputHeight == height { return image.pixels }
        let ow = outputWidth
        if padded.count != ow * outputHeight * 3 { padded = [UInt8](repeating: 0, count: ow * outputHeight * 3) }
        image.pixels.withUnsafeBufferPointer { src in
            padded.withUnsafeMutableBufferPointer { dst in
                for y in 0..<outputHeight {
                    let sy = min(y, height - 1)
                    let s = sy * width * 3, d = y * ow * 3
                    for i in 0..<(width * 3) { dst[d + i] = src[s + i] }
                    if ow > width {
                        let l = s + (width - 1) * 3, e = d + width * 3
                        dst[e] = src[l]; dst[e + 1] = src[l + 1]; dst[e + 2] = src[l + 2]
                    }
                }
            }
        }
        return padded
    }
}
