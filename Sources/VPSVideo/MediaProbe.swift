import CFFmpeg
import VPSCore

/// An opened FFmpeg demuxer, closed on deinit.
final class Demuxer {
    let path: String
    var context: UnsafeMutablePointer<AVFormatContext>?

    /// Opens `path` and reads stream information; throws a `VPSError` a user can read.
    init(path: String) throws {
        _ = silenceFFmpegLogs
        try InputFile.validate(path)
        self.path = path
        var ctx: UnsafeMutablePointer<AVFormatContext>?
        let rc = avformat_open_input(&ctx, path, nil, nil)
        guard rc >= 0, ctx != nil else {
            throw VPSError.unreadableInput(path: path, reason: "not a video or image FFmpeg can read (\(ffmpegErrorString(rc)))")
        }
        context = ctx
        let rc2 = avformat_find_stream_info(ctx, nil)
        guard rc2 >= 0 else {
            throw VPSError.unreadableInput(path: path, reason: "cannot read stream information (\(ffmpegErrorString(rc2)))")
        }
    }

    var format: UnsafeMutablePointer<AVFormatContext> { context! }

    var streamCount: Int { Int(format.pointee.nb_streams) }

    func stream(_ i: Int) -> UnsafeMutablePointer<AVStream> { format.pointee.streams[i]! }

    /// The best video stream, or nil.
    func bestVideoStream() -> Int? {
        let i = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        return i >= 0 ? Int(i) : nil
    }

    deinit { avformat_close_input(&context) }
}

/// Reads what a media file holds without decoding it (`vps probe`).
public enum MediaProbe {
    /// Probes `path`. With `countFrames`, the video stream's packets are read and
    /// counted, giving an exact frame count for containers that do not store one.
    public static func probe(_ path: String, countFrames: Bool = false) throws -> MediaInfo {
        let demuxer = try Demuxer(path: path)
        let fmt = demuxer.format
        var streams: [StreamInfo] = []
        for i in 0..<demuxer.streamCount {
            streams.append(streamInfo(demuxer.stream(i), container: fmt))
        }
        let video = demuxer.bestVideoStream()
        if countFrames, let v = video {
            streams[v].frameCount = countPackets(demuxer, stream: v)
            streams[v].frameCountExact = true
        }
        let d: Double? = fmt.pointee.duration > 0 ? Double(fmt.pointee.duration) / Double(AV_TIME_BASE) : nil
        return MediaInfo(path: path, container: String(cString: fmt.pointee.iformat.pointee.name),
                         duration: d, streams: streams, videoStreamIndex: video)
    }

    private static func countPackets(_ demuxer: Demuxer, stream: Int) -> Int {
        guard let pkt = av_packet_alloc() else { return 0 }
        var p: UnsafeMutablePointer<AVPacket>? = pkt
        defer { av_packet_free(&p) }
        var n = 0
        while av_read_frame(demuxer.format, pkt) >= 0 {
            if Int(pkt.pointee.stream_index) == stream { n += 1 }
            av_packet_unref(pkt)
        }
        return n
    }
}
