import VPSCore
import VPSRender

/// The `--chart` picture of an eval report, drawn with OpenCV: per-frame PQ
/// (image-level PQ, VPQ with k = 0) of every video on top, and below it an
/// ID timeline per video: one row per predicted thing id, a bar for each frame
/// it appears in. An id that stops and a new one that starts on the same
/// object is what an ID switch looks like.
public enum EvalChart {
    static let palette = Palette.chartColours
    /// Rows per video in the timeline, at most.
    public static let maxTracksPerVideo = 30

    public static func render(_ report: EvalReport, width: Int = 1000) throws -> RGBImage {
        let left = 90, right = 20, top = 40, plotH = 220, rowH = 12, gap = 34
        let rows = report.videos.map { min($0.trackTimeline.count, maxTracksPerVideo) }
        let height = top + plotH + 40 + rows.reduce(0) { $0 + gap + max(1, $1) * rowH } + 20
        var c = Canvas(width: width, height: height)
        let plotW = width - left - right
        let maxFrames = max(1, report.videos.map(\.frames).max() ?? 1)
        func fx(_ t: Int) -> Int { left + Int(Double(t) / Double(max(1, maxFrames - 1)) * Double(plotW)) }
        try c.text("per-frame PQ", 10, 24, 0.6, RGBColour(0, 0, 0))
        // axes and grid
        for k in 0...4 {
            let y = top + plotH - k * plotH / 4
            try c.line(left, y, left + plotW, y, RGBColour(225, 225, 225), 1)
            try c.text(String(format: "%.2f", Double(k) / 4), 40, y + 4, 0.4, RGBColour(80, 80, 80))
        }
        try c.line(left, top, left, top + plotH, RGBColour(0, 0, 0), 1)
        try c.line(left, top + plotH, left + plotW, top + plotH, RGBColour(0, 0, 0), 1)
        for t in stride(from: 0, to: maxFrames, by: max(1, maxFrames / 10)) {
            try c.text("\(t)", fx(t) - 4, top + plotH + 16, 0.4, RGBColour(80, 80, 80))
        }
        for (v, video) in report.videos.enumerated() {
            let col = palette[v % palette.count]
            var prev: (Int, Int)?
            for (t, pq) in video.perFramePQ.enumerated() {
                guard let pq else { prev = nil; continue }
                let p = (fx(t), top + plotH - Int(pq * Double(plotH)))
                if let q = prev { try c.line(q.0, q.1, p.0, p.1, col, 2) }
                try c.rect(p.0 - 1, p.1 - 1, p.0 + 1, p.1 + 1, col, -1)
                prev = p
            }
            try c.text(video.name, left + 120 + 130 * v, 24, 0.45, col)
        }
        // ID timelines
        var y = top + plotH + 40
        for video in report.videos {
            y += gap
            let shown = video.trackTimeline.prefix(maxTracksPerVideo)
            let more = video.trackTimeline.count - shown.count
            try c.text("\(video.name): predicted ids over frames" + (more > 0 ? " (\(more) more not shown)" : ""), 10, y - 8, 0.5, RGBColour(0, 0, 0))
            for (r, track) in shown.enumerated() {
                let ry = y + r * rowH
                let col = palette[(track.id * 7 + track.id / 1000) % palette.count]
                try c.text("\(track.id)", 30, ry + rowH - 2, 0.35, RGBColour(60, 60, 60))
                for t in track.frames where t < maxFrames {
                    let x0 = fx(t), x1 = t + 1 < maxFrames ? max(x0, fx(t + 1) - 1) : x0 + 2
                    try c.rect(x0, ry + 1, x1, ry + rowH - 2, col, -1)
                }
            }
            y += max(1, shown.count) * rowH
        }
        return c.image
    }

    /// An RGB image with the drawing calls the chart makes.
    struct Canvas {
        var image: RGBImage
        init(width: Int, height: Int) { image = RGBImage(width: width, height: height, fill: (255, 255, 255)) }

        mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: RGBColour, _ t: Int) throws {
            try Draw.line(&image, x0, y0, x1, y1, c, thickness: t)
        }

        mutating func rect(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: RGBColour, _ t: Int) throws {
            try Draw.rect(&image, x0, y0, x1, y1, c, thickness: t)
        }

        mutating func text(_ s: String, _ x: Int, _ y: Int, _ scale: Double, _ c: RGBColour) throws {
            try Draw.text(&image, s, x: x, y: y, scale: scale, c)
        }
    }
}
