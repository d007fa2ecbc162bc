import CFFmpeg
import VPSCore

/// What a media file holds, as `vps probe` reports it.
public struct MediaInfo: Codable, Equatable, Sendable {
    /// The path that was probed.
    public var path: String
    /// Container format short name(s), e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "avi".
    public var container: String
    /// Container duration in seconds, when known.
    public var duration: Double?
    /// Every stream in the file, in container order.
    public var streams: [StreamInfo]
    /// Index into `streams` of the video stream vps decodes, if any.
    public var videoStreamIndex: Int?

    /// The stream vps decodes.
    public var video: StreamInfo? { videoStreamIndex.map { streams[$0] } }
}

/// One stream of a media file.
public struct StreamInfo: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable { case video, audio, subtitle, data, other }
    public var index: Int
    public var kind: Kind
    /// Codec short name, e.g. "h264", "msmpeg4v3", "png".
    public var codec: String
    /// Display size in pixels, after rotation (video only).
    public var width: Int?
    public var height: Int?
    /// Stored (coded) size before rotation (video only).
    public var codedWidth: Int?
    public var codedHeight: Int?
    /// Clockwise rotation in degrees (0, 90, 180, 270) applied on decode to honour
    /// the display matrix (video only).
    public var rotation: Int?
    /// Average frame rate as "num/den" and in frames per second (video only).
    public var frameRate: String?
    public var fps: Double?
    /// Stream time base as "num/den".
    public var timeBase: String
    /// Number of frames: from the container when it records it, otherwise
    /// estimated from duration × fps, or counted when asked (`frameCountExact`).
    public var frameCount: Int?
    public var frameCountExact: Bool?
    /// Stream duration in seconds, when known.
    public var duration: Double?
    /// Pixel format name, e.g. "yuv420p" (video only).
    public var pixelFormat: String?
}

/// Clockwise rotation in degrees implied by a stream's display matrix, as
/// ffmpeg's autorotate computes it.
func clockwiseRotation(of stream: UnsafeMutablePointer<AVStream>) -> Int {
    let ccw = vps_stream_rotation(stream)
    var theta = Int((-ccw).rounded()) % 360
    if theta < 0 { theta += 360 }
    // Snap to the nearest quarter turn, as ffmpeg does for near-multiples.
    let snapped = ((theta + 45) / 90 * 90) % 360
    return snapped
}

func streamInfo(_ st: UnsafeMutablePointer<AVStream>, container: UnsafeMutablePointer<AVFormatContext>) -> StreamInfo {
    let par = st.pointee.codecpar!.pointee
    let kind: StreamInfo.Kind
    switch par.codec_type {
    case AVMEDIA_TYPE_VIDEO: kind = .video
    case AVMEDIA_TYPE_AUDIO: kind = .audio
    case AVMEDIA_TYPE_SUBTITLE: kind = .subtitle
    case AVMEDIA_TYPE_DATA: kind = .data
    default: kind = .other
    }
    let codec = String(cString: avcodec_get_name(par.codec_id))
    let tb = Rational(st.pointee.time_base)
    var duration: Double?
    if st.pointee.duration != vps_nopts_value(), st.pointee.duration > 0 {
        duration = Double(st.pointee.duration) * tb.doubleValue
    }
    var info = StreamInfo(index: Int(st.pointee.index), kind: kind, codec: codec, timeBase: tb.description, duration: duration)
    guard kind == .video else { return info }
    let rot = clockwiseRotation(of: st)
    let w = Int(par.width), h = Int(par.height)
    info.codedWidth = w
    info.codedHeight = h
    info.rotation = rot
    info.width = rot % 180 == 0 ? w : h
    info.height = rot % 180 == 0 ? h : w
    var rate = Rational(st.pointee.avg_frame_rate)
    if !rate.isValid { rate = Rational(st.pointee.r_frame_rate) }
    if rate.isValid {
        info.frameRate = rate.description
        info.fps = rate.doubleValue
    }
    if let name = av_get_pix_fmt_name(AVPixelFormat(rawValue: par.format)) {
        info.pixelFormat = String(cString: name)
    }
    if st.pointee.nb_frames > 0 {
        info.frameCount = Int(st.pointee.nb_frames)
        info.frameCountExact = true
    } else {
        let d = duration ?? (container.pointee.duration > 0 ? Double(container.pointee.duration) / Double(AV_TIME_BASE) : nil)
        if let d, let fps = info.fps {
            info.frameCount = max(1, Int((d * fps).rounded()))
            info.frameCountExact = false
        }
    }
    return info
}
