import VPSFormats

/// Turns a frame's tracked detections into the project's result type, so
/// that exports and `vps eval` take tracker output as they take anything else.
public enum TrackedFrame {
    /// The panoptic segment id of track `trackId` (from 1) of `category`:
    /// `category · 1000 + instance`, the instance counting 1…999 and wrapping
    /// after 999 tracks of a class (`Segment.trackId` keeps the full ID).
    public static func segmentId(category: Int, trackId: Int) -> Int {
        category * 1000 + (trackId - 1) % 999 + 1
    }

    /// A things-only panoptic frame of the detections with a reported ID,
    /// fused by `fusion` (Detectron2's rule by default: best score first, an
    /// instance mostly covered by better ones dropped, the rest painted onto
    /// still-void pixels); detections without an ID and all other pixels are void (0).
    public static func panoptic(index: Int, width: Int, height: Int, detections: [Detection], tracked: [TrackedDetection],
                                fusion: PanopticFusion = PanopticFusion()) -> PanopticFrame {
        let instances = tracked.compactMap { t -> PanopticFusion.Instance? in
            guard let id = t.trackId else { return nil }
            let d = detections[t.detection]
            return PanopticFusion.Instance(category: d.category, trackId: id, score: d.score, mask: d.mask)
        }
        return fusion.fuse(index: index, width: width, height: height, instances: instances)
    }
}
