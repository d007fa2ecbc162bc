import VPSCore
import VPSDetection
import VPSFormats
import VPSPipeline
import VPSTracking

/// The `panoptic` stage: fuses each frame's tracked detections and stuff map
/// into one panoptic frame (things, stuff, void) with `PanopticFusion`
/// (Detectron2's rule; see its docs).
///
/// Thresholds: each one set in the pipeline (`overlap_threshold`,
/// `stuff_area_threshold`, `score_threshold`) wins; otherwise the model's
/// (`SemanticHeadConfig.combine`, e.g. a Detectron2 checkpoint's); otherwise
/// `PanopticFusion`'s defaults (Detectron2's values).
///
/// Only detections with a track ID take part: a detection the tracker does
/// not report (a tentative track) is not an object of the output. Thing ids
/// are category·1000 + instance with `Segment.trackId` = the track ID; stuff
/// ids are category·1000. A packet without detections or tracks (an upstream
/// stage skipped the frame) gets no panoptic result.
public final class PanopticStage: Stage {
    public let name = "panoptic"
    public let requires = [DetectionsKey.name, TracksKey.name]
    public let provides = [PanopticKey.name]
    /// The thresholds used when neither the pipeline nor the model sets them.
    public let fusion: PanopticFusion
    /// The thresholds the pipeline sets, each overriding the model's.
    public let overrides: Overrides

    /// Thresholds a pipeline sets explicitly (nil: not set).
    public struct Overrides: Sendable, Equatable {
        public var overlapThreshold: Double?, stuffAreaThreshold: Int?, scoreThreshold: Double?
        public init(overlapThreshold: Double? = nil, stuffAreaThreshold: Int? = nil, scoreThreshold: Double? = nil) {
            (self.overlapThreshold, self.stuffAreaThreshold, self.scoreThreshold) = (overlapThreshold, stuffAreaThreshold, scoreThreshold)
        }
    }

    /// `fusion`'s thresholds apply to every frame, whatever the model says.
    public init(fusion: PanopticFusion = PanopticFusion()) {
        self.fusion = fusion
        overrides = Overrides(overlapThreshold: fusion.overlapThreshold, stuffAreaThreshold: fusion.stuffAreaThreshold,
                              scoreThreshold: fusion.scoreThreshold)
    }

    /// `overrides` first, then the model's thresholds, then `PanopticFusion`'s defaults.
    public init(overrides: Overrides) {
        fusion = PanopticFusion()
        self.overrides = overrides
    }

    /// The fusion for a frame of `found`.
    public func fusion(for found: FrameDetections) -> PanopticFusion {
        let m = found.combine
        return PanopticFusion(
            overlapThreshold: overrides.overlapThreshold ?? m?.overlapThreshold ?? fusion.overlapThreshold,
            stuffAreaThreshold: overrides.stuffAreaThreshold ?? m?.stuffAreaThreshold ?? fusion.stuffAreaThreshold,
            scoreThreshold: overrides.scoreThreshold ?? m?.instanceScoreThreshold ?? fusion.scoreThreshold)
    }

    public func process(_ packet: inout Packet) throws {
        guard let found = packet[DetectionsKey.self], let tracks = packet[TracksKey.self] else { return }
        let width = packet.frame.image.width, height = packet.frame.image.height
        guard tracks.trackIds.count == found.detections.count else {
            throw VPSError.internalFailure("frame \(packet.frame.index): \(tracks.trackIds.count) track IDs for \(found.detections.count) detections")
        }
        var instances: [PanopticFusion.Instance] = []
        for (i, d) in found.detections.enumerated() {
            guard let trackId = tracks.trackIds[i], let m = d.mask else { continue }
            guard m.imageWidth == width, m.imageHeight == height else {
                throw VPSError.internalFailure("frame \(packet.frame.index): a mask of \(m.imageWidth)x\(m.imageHeight) for a \(width)x\(height) frame")
            }
            instances.append(PanopticFusion.Instance(category: found.category(of: i), trackId: trackId,
                                                     score: Double(d.score), mask: Self.binaryMask(m)))
        }
        if let s = found.stuff, s.width != width || s.height != height {
            throw VPSError.internalFailure("frame \(packet.frame.index): a stuff map of \(s.width)x\(s.height) for a \(width)x\(height) frame")
        }
        let frame = fusion(for: found).fuse(index: packet.frame.sourceIndex, width: width, height: height,
                                instances: instances, stuff: found.stuff?.ids)
        packet[PanopticKey.self] = PanopticResult(frame: frame, categories: found.categories)
    }

    /// The detector's pasted mask (a region of the image) as the tracker's tight crop.
    public static func binaryMask(_ m: InstanceMask) -> BinaryMask {
        BinaryMask(frameWidth: m.imageWidth, frameHeight: m.imageHeight, x0: m.x0, y0: m.y0,
                   width: m.width, height: m.height, bits: m.bits)
    }

    static let definition = StageDefinition(
        name: "panoptic", summary: "fuse tracked instances and stuff into one panoptic map per frame (Detectron2's rule)",
        keys: ["overlap_threshold", "stuff_area_threshold", "score_threshold"],
        builder: .stage { settings, _ in PanopticStage(overrides: try overrides(from: settings)) })

    /// The thresholds a pipeline's settings give explicitly, each checked.
    static func overrides(from settings: StageSettings) throws -> Overrides {
        let f = try fusion(from: settings)
        return Overrides(overlapThreshold: settings.values["overlap_threshold"] != nil ? f.overlapThreshold : nil,
                         stuffAreaThreshold: settings.values["stuff_area_threshold"] != nil ? f.stuffAreaThreshold : nil,
                         scoreThreshold: settings.values["score_threshold"] != nil ? f.scoreThreshold : nil)
    }

    /// The fusion thresholds from a pipeline's settings, each checked.
    static func fusion(from settings: StageSettings) throws -> PanopticFusion {
        let d = PanopticFusion()
        let overlap = try settings.double("overlap_threshold", default: d.overlapThreshold)
        guard (0...1).contains(overlap) else {
            throw VPSError.invalidPipeline("panoptic overlap_threshold must be within 0…1 (the largest covered fraction of an instance), got \(overlap)")
        }
        let area = try settings.int("stuff_area_threshold", default: d.stuffAreaThreshold)
        guard area >= 0 else {
            throw VPSError.invalidPipeline("panoptic stuff_area_threshold must be a pixel count ≥ 0, got \(area)")
        }
        let score = try settings.double("score_threshold", default: d.scoreThreshold)
        guard (0...1).contains(score) else {
            throw VPSError.invalidPipeline("panoptic score_threshold must be within 0…1, got \(score)")
        }
        return PanopticFusion(overlapThreshold: overlap, stuffAreaThreshold: area, scoreThreshold: score)
    }
}
