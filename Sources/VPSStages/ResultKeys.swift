import VPSCore
import VPSPanoptic
import VPSPipeline

// The packet keys of the annotation pipeline, in data-path order:
// detect → track → panoptic → render / export.

/// Mask R-CNN detections of the frame (boxes in frame pixels, masks pasted).
public enum DetectionsKey: PacketKey {
    public typealias Value = FrameDetections
    public static let name = "detections"
}

/// The tracker's identities for a frame's detections.
public struct FrameTracks: Sendable, Equatable {
    /// One entry per `FrameDetections.detections`, in order: the persistent
    /// track ID (from 1), or nil for a detection that is not reported (a
    /// tentative track, or a loser in the greedy baseline).
    public var trackIds: [Int?]
    public init(trackIds: [Int?]) { self.trackIds = trackIds }
}

/// Written by the `track` stage.
public enum TracksKey: PacketKey {
    public typealias Value = FrameTracks
    public static let name = "tracks"
}

/// Written by the `panoptic` stage; read by `render` (mode panoptic) and `export`.
public enum PanopticKey: PacketKey {
    public typealias Value = PanopticResult
    public static let name = "panoptic"
}
