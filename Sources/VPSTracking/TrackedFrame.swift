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

    /// A things-only panoptic frame: every detection with a reported ID, painted
    /// in descending score order onto pixels still void (the higher score wins
    /// an overlap); detections without an ID and all other pixels are void (0).
    public static func panoptic(index: Int, width: Int, height: Int,
                                detections: [Detection], tracked: [TrackedDetection]) -> PanopticFrame {
        var ids = [Int32](repeating: 0, count: width * height)
        var segments: [Segment] = []
        let order = tracked.filter { $0.trackId != nil }.sorted { detections[$0.detection].score > detections[$1.detection].score }
        for t in order {
            let d = detections[t.detection], m = d.mask
            let sid = segmentId(category: d.category, trackId: t.trackId!)
            for y in 0..<m.height {
                for x in 0..<m.width where m.bits[y * m.width + x] != 0 {
                    let i = (m.y0 + y) * width + m.x0 + x
                    if ids[i] == 0 { ids[i] = Int32(sid) }
                }
            }
            segments.append(Segment(id: sid, categoryId: d.category, trackId: t.trackId!, score: d.score))
        }
        var f = PanopticFrame(index: index, width: width, height: height, ids: ids, segments: segments)
        f.refreshGeometry()
        f.segments.removeAll { $0.area == 0 }
        return f
    }
}
