import VPSFormats

extension ImageFile {
    /// `ImageFile`'s FFmpeg reading and PNG writing as the `PNGCodec` that the
    /// result writers and readers of VPSFormats take.
    public static let pngCodec = PNGCodec(read: { try ImageFile.read($0) }, write: { try ImageFile.writePNG($0, to: $1) })
}
