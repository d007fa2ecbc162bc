import CFFmpeg
import VPSCore

/// Decodes the best video stream of any file FFmpeg opens (video or still
/// image) into RGB24 frames with presentation timestamps.
///
/// - Timestamps are in seconds from the stream's start time (so the first
///   frame of most files is at 0), from FFmpeg's best-effort timestamp; they
///   follow the file for variable frame rate too.
/// - The display matrix is honoured: a stream tagged as rotated is turned
///   upright (90° steps), as `ffmpeg` does by default.
/// - Colour conversion uses `rgbConversionFlags`, so frames are byte-identical
///   to `ffmpeg -pix_fmt rgb24 -sws_flags bilinear+accurate_rnd+full_chroma_int`.
/// - A truncated or corrupt file is decoded as far as it goes; what went
///   wrong is recorded in `warnings` and decoding ends normally.
public final class VideoDecoder {
    /// The decoded stream's description.
    public let info: StreamInfo
    /// Average frame rate (0/0 when the container gives none).
    public let frameRate: Rational
    /// Non-fatal problems met while decoding (truncation, corrupt packets).
    public private(set) var warnings: [String] = []
    /// Number of frames the selection will yield, when the stream's frame count is known.
    public var expectedFrameCount: Int? { info.frameCount.map { selection.keptCount(ofTotal: $0) } }

    private let demuxer: Demuxer
    private let streamIndex: Int
    private let selection: FrameSelection
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var sws: OpaquePointer?
    private let timeBase: Double
    private let startTime: Int64
    private let rotation: Int

    private var sourceIndex = 0      // frames decoded so far
    private var emitted = 0          // frames returned so far
    private var lastTimestamp: Double?
    private var draining = false
    private var finished = false
    private var corruptPackets = 0
    private var reportedShortfall = false

    /// Opens `path` for decoding.
    /// - Parameters:
    ///   - selection: which frames to return (`--start`, `--frames`, `--stride`).
    ///   - threads: decoder threads; 0 lets FFmpeg choose (frame threading where the codec supports it).
    public init(path: String, selection: FrameSelection = .all, threads: Int = 0) throws {
        try selection.validate()
        demuxer = try Demuxer(path: path)
        guard let vi = demuxer.bestVideoStream() else {
            throw VPSError.unreadableInput(path: path, reason: "it has no video stream")
        }
        streamIndex = vi
        self.selection = selection
        let st = demuxer.stream(vi)
        info = streamInfo(st, container: demuxer.format)
        var rate = Rational(st.pointee.avg_frame_rate)
        if !rate.isValid { rate = Rational(st.pointee.r_frame_rate) }
        frameRate = rate
        timeBase = Rational(st.pointee.time_base).doubleValue
        startTime = st.pointee.start_time == vps_nopts_value() ? 0 : st.pointee.start_time
        rotation = info.rotation ?? 0

        guard let dec = avcodec_find_decoder(st.pointee.codecpar.pointee.codec_id) else {
            throw VPSError.unreadableInput(path: path, reason: "no decoder for codec \(info.codec)")
        }
        codec = avcodec_alloc_context3(dec)
        guard let codec else { throw VPSError.internalFailure("cannot allocate a decoder context") }
        avcodec_parameters_to_context(codec, st.pointee.codecpar)
        codec.pointee.thread_count = Int32(threads)
        codec.pointee.thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE
        codec.pointee.pkt_timebase = st.pointee.time_base
        let rc = avcodec_open2(codec, dec, nil)
        guard rc >= 0 else {
            throw VPSError.unreadableInput(path: path, reason: "cannot open the \(info.codec) decoder (\(ffmpegErrorString(rc)))")
        }
        packet = av_packet_alloc()
        frame = av_frame_alloc()
        guard packet != nil, frame != nil else { throw VPSError.internalFailure("cannot allocate FFmpeg frames") }
    }

    deinit {
        sws_freeContext(sws)
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
    }

    /// The next selected frame, or nil at the end of the stream (or of the selection).
    public func nextFrame() throws -> VideoFrame? {
        while !finished {
            if let count = selection.count, emitted >= count { finished = true; break }
            guard let raw = try nextDecodedFrame() else { finished = true; break }
            let i = sourceIndex
            sourceIndex += 1
            let ts = timestamp(of: raw)
            guard selection.selects(i) else { continue }
            let image = try convert(raw)
            let out = VideoFrame(index: emitted, sourceIndex: i, timestamp: ts, image: image)
            emitted += 1
            return out
        }
        if let announced = info.frameCount, info.frameCountExact == true, sourceIndex < announced,
           selection.count.map({ emitted < $0 }) ?? true, !reportedShortfall {
            reportedShortfall = true
            warnings.append("input ended after \(sourceIndex) of the \(announced) frames its header announces (truncated?)")
        }
        if emitted == 0 && sourceIndex == 0 {
            throw VPSError.unreadableInput(path: demuxer.path, reason: "no decodable video frames" +
                (warnings.first.map { " (\($0))" } ?? ""))
        }
        return nil
    }

    /// Pulls frames from the codec, feeding it packets as needed.
    private func nextDecodedFrame() throws -> UnsafeMutablePointer<AVFrame>? {
        guard let codec, let frame, let packet else { return nil }
        while true {
            let r = avcodec_receive_frame(codec, frame)
            if r >= 0 { return frame }
            if r == vps_averror_eof() { return nil }
            if r != vps_averror(EAGAIN) {
                warnings.append("decoding stopped after \(sourceIndex) frames: \(ffmpegErrorString(r))")
                return nil
            }
            if draining { return nil }
            // Feed the next packet of our stream.
            let rr = av_read_frame(demuxer.format, packet)
            if rr < 0 {
                if rr != vps_averror_eof() {
                    warnings.append("input is truncated or corrupt after \(sourceIndex) frames (\(ffmpegErrorString(rr)))")
                }
                draining = true
                avcodec_send_packet(codec, nil)
                continue
            }
            defer { av_packet_unref(packet) }
            guard Int(packet.pointee.stream_index) == streamIndex else { continue }
            let s = avcodec_send_packet(codec, packet)
            if s < 0 && s != vps_averror(EAGAIN) {
                corruptPackets += 1
                if corruptPackets == 1 {
                    warnings.append("skipped a corrupt packet after \(sourceIndex) frames (\(ffmpegErrorString(s)))")
                }
            }
        }
    }

    private func timestamp(of f: UnsafeMutablePointer<AVFrame>) -> Double {
        let pts = f.pointee.best_effort_timestamp
        var ts: Double
        if pts != vps_nopts_value() {
            ts = Double(pts - startTime) * timeBase
        } else if let last = lastTimestamp {
            ts = last + (frameRate.isValid ? 1 / frameRate.doubleValue : 0.04)
        } else {
            ts = 0
        }
        lastTimestamp = ts
        return ts
    }

    /// Converts a decoded frame to upright RGB24.
    private func convert(_ f: UnsafeMutablePointer<AVFrame>) throws -> RGBImage {
        let w = Int(f.pointee.width), h = Int(f.pointee.height)
        sws = sws_getCachedContext(sws, Int32(w), Int32(h), AVPixelFormat(rawValue: f.pointee.format),
                                   Int32(w), Int32(h), AV_PIX_FMT_RGB24, rgbConversionFlags, nil, nil, nil)
        guard let sws else { throw VPSError.internalFailure("cannot convert pixel format \(f.pointee.format) to RGB") }
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        pixels.withUnsafeMutableBufferPointer { dst in
            var dstPlanes: [UnsafeMutablePointer<UInt8>?] = [dst.baseAddress, nil, nil, nil]
            var dstStrides: [Int32] = [Int32(w * 3), 0, 0, 0]
            withPlanes(f) { planes, lines in
                planes.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { src in
                    _ = sws_scale(sws, src, lines, 0, Int32(h), &dstPlanes, &dstStrides)
                }
            }
        }
        let image = RGBImage(width: w, height: h, pixels: pixels)
        return rotation == 0 ? image : image.rotatedClockwise(quarterTurns: rotation / 90)
    }
}

extension RGBImage {
    /// The image turned clockwise by 90° × `quarterTurns`.
    public func rotatedClockwise(quarterTurns: Int) -> RGBImage {
        let q = ((quarterTurns % 4) + 4) % 4
        if q == 0 { return self }
        let (ow, oh) = q == 2 ? (width, height) : (height, width)
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    for x in 0..<width {
                        let (nx, ny): (Int, Int)
                        switch q {
                        case 1: (nx, ny) = (height - 1 - y, x)
                        case 2: (nx, ny) = (width - 1 - x, height - 1 - y)
                        default: (nx, ny) = (y, width - 1 - x)
                        }
                        let s = (y * width + x) * 3, d = (ny * ow + nx) * 3
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return RGBImage(width: ow, height: oh, pixels: out)
    }
}
