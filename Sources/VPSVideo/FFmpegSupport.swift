import CFFmpeg
import VPSCore

/// FFmpeg's message for an error code, e.g. "Invalid data found when processing input".
func ffmpegErrorString(_ code: Int32) -> String {
    var buf = [CChar](repeating: 0, count: 256)
    av_strerror(code, &buf, buf.count)
    return String(cString: buf)
}

/// FFmpeg's own logging is silenced; vps reports errors itself, in one line.
let silenceFFmpegLogs: Void = { av_log_set_level(AV_LOG_QUIET) }()

extension Rational {
    init(_ r: AVRational) { self.init(Int(r.num), Int(r.den)) }
    var av: AVRational { AVRational(num: Int32(num), den: Int32(den)) }
}

/// swscale flags used for every RGB conversion in vps. Matching them in
/// `ffmpeg -sws_flags bilinear+accurate_rnd+full_chroma_int` gives identical bytes.
let rgbConversionFlags: Int32 = SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT

/// Calls `body` with `frame.data` as a pointer to its 8 plane pointers.
func withPlanes<R>(_ frame: UnsafeMutablePointer<AVFrame>,
                   _ body: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int32>) -> R) -> R {
    withUnsafeMutablePointer(to: &frame.pointee.data) { dataTuple in
        withUnsafeMutablePointer(to: &frame.pointee.linesize) { lineTuple in
            dataTuple.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { data in
                lineTuple.withMemoryRebound(to: Int32.self, capacity: 8) { lines in
                    body(data, lines)
                }
            }
        }
    }
}
