import VPSCore
import VPSFormats
import VPSPipeline
import VPSVideo

/// The `load_panoptic` stage: puts a saved panoptic result on each frame
/// instead of computing one, so that `render` and `encode` can draw a
/// panoptic directory (e.g. `vps stitch`'s) onto its source video.
///
/// Frames are matched by source frame index (`frame_index` in
/// `panoptic.json`); a frame the directory lacks gets no result and is drawn
/// as it is.
public final class LoadPanopticStage: Stage {
    public let name = "load_panoptic"
    public let requires: [String] = []
    public let provides = [PanopticKey.name]
    public let video: PanopticVideo
    private let position: [Int: Int]
    private let png = ImageFile.pngCodec

    /// Opens the panoptic directory `path` (its `panoptic.json` up front).
    public init(path: String) throws {
        video = try PanopticVideo(directory: path)
        var position: [Int: Int] = [:]
        for (k, f) in video.frames.enumerated() { position[f.frameIndex] = k }
        self.position = position
    }

    public func process(_ packet: inout Packet) throws {
        guard let k = position[packet.frame.sourceIndex] else { return }
        packet[PanopticKey.self] = PanopticResult(frame: try video.frame(k, png: png), categories: video.categories)
    }

    static let definition = StageDefinition(
        name: "load_panoptic", summary: "read each frame's panoptic result from a panoptic directory (path)",
        keys: ["path"],
        builder: .stage { settings, _ in
            let path = try settings.string("path", default: "")
            guard !path.isEmpty else { throw VPSError.invalidPipeline("load_panoptic needs a path (a panoptic directory)") }
            return try LoadPanopticStage(path: path)
        })
}
