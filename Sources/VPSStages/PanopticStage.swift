import VPSCore
import VPSPanoptic
import VPSPipeline

/// The `panoptic` stage: fuses each frame's tracked detections and stuff map
/// into one panoptic frame (things, stuff, void) with `PanopticFusion`
/// (Detectron2's rule; see its docs).
///
/// Only detections with a track ID take part: a detection the tracker does
/// not report (a tentative track) is not an object of the output. Thing ids
/// are category·1000 + instance with `Segment.trackId` = the track ID; stuff
/// ids are category·1000. A frame whose detections or tracks are a gap (an
/// upstream stage skipped it) gets a gap.
public final class PanopticStage: Stage {
    public let name = "panoptic"
    public let requires = [DetectionsKey.name, TracksKey.name]
    public let provides = [PanopticKey.name]
    /// The pipeline's thresholds (defaults for those it does not set).
    public let fusion: PanopticFusion
    /// The setting keys the pipeline sets: those thresholds override the model's.
    public let explicitKeys: Set<String>

    /// `fusion`'s thresholds, overriding the model's for `explicitKeys` (all by default).
    public init(fusion: PanopticFusion = PanopticFusion(), explicitKeys: Set<String> = Set(PanopticFusion.settingKeys)) {
        self.fusion = fusion
        self.explicitKeys = explicitKeys
    }

    /// The thresholds for a frame of `found`: each one the pipeline's when it
    /// sets it, else the model's (`FrameDetections.modelFusion`), else the default.
    public func fusion(for found: FrameDetections) -> PanopticFusion {
        guard var f = found.modelFusion else { return fusion }
        if explicitKeys.contains("overlap_threshold") { f.overlapThreshold = fusion.overlapThreshold }
        if explicitKeys.contains("stuff_area_threshold") { f.stuffAreaThreshold = fusion.stuffAreaThreshold }
        if explicitKeys.contains("score_threshold") { f.scoreThreshold = fusion.scoreThreshold }
        return f
    }

    public func process(_ packet: inout Packet) throws {
        let found = try packet.require(DetectionsKey.self), tracks = try packet.require(TracksKey.self)
        let width = packet.frame.image.width, height = packet.frame.image.height
        guard tracks.trackIds.count == found.detections.count else {
            throw VPSError.internalFailure("frame \(packet.frame.index): \(tracks.trackIds.count) track IDs for \(found.detections.count) detections")
        }
        for (d, id) in zip(found.detections, tracks.trackIds) where id != nil {
            if let m = d.mask, m.frameWidth != width || m.frameHeight != height {
                throw VPSError.internalFailure("frame \(packet.frame.index): a mask of \(m.frameWidth)x\(m.frameHeight) for a \(width)x\(height) frame")
            }
        }
        if let s = found.stuff, s.width != width || s.height != height {
            throw VPSError.internalFailure("frame \(packet.frame.index): a stuff map of \(s.width)x\(s.height) for a \(width)x\(height) frame")
        }
        var frame = fusion(for: found).fuse(index: packet.frame.sourceIndex, width: width, height: height,
                                instances: found.detections, trackIds: tracks.trackIds, stuff: found.stuff?.labels)
        frame.propagated = found.propagated
        packet[PanopticKey.self] = PanopticResult(frame: frame, categories: found.categories)
    }

    static let definition = StageDefinition(
        name: "panoptic", summary: "fuse tracked instances and stuff into one panoptic map per frame (Detectron2's rule)",
        settings: PanopticFusion.self,
        builder: .stage { settings, _ in
            PanopticStage(fusion: try settings.decode(PanopticFusion.self), explicitKeys: Set(settings.values.keys))
        })
}
