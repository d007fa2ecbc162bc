import Foundation
import VPSFormats

extension EvalReport {
    /// The human-readable table `vps eval` prints: one row per video and an
    /// overall row, figures in percent (counts as integers), "-" where a
    /// figure is undefined (e.g. no window of that length).
    public var table: String {
        let head = ["video", "frames", "VPQ", "VPQth", "VPQst", "STQ", "AQ", "SQ", "HOTA", "DetA", "AssA",
                    "MOTA", "IDF1", "IDSW", "Frag", "TC", "TCgt"]
        func pct(_ x: Double?) -> String { x.map { String(format: "%.1f", 100 * $0) } ?? "-" }
        func row(_ name: String, _ frames: Int, _ v: VPQResult, _ s: STQSequenceResult, _ t: TrackingFigures, _ f: FlickerReport) -> [String] {
            [name, "\(frames)", pct(v.vpq), pct(v.vpqThings), pct(v.vpqStuff), pct(s.stq), pct(s.aq), pct(s.iou),
             pct(t.hota.hota), pct(t.hota.detA), pct(t.hota.assA), pct(t.mota), pct(t.idf1),
             "\(t.clear.idsw)", "\(t.clear.frag)", pct(f.prediction), pct(f.groundTruth)]
        }
        var rows = [head]
        for v in videos { rows.append(row(v.name, v.frames, v.vpq, v.stq, v.tracking, v.flicker)) }
        rows.append(row("ALL", overall.stq.length, overall.vpq, overall.stq, overall.tracking.combined, overall.flicker))
        var widths = [Int](repeating: 0, count: head.count)
        for r in rows { for (k, c) in r.enumerated() { widths[k] = max(widths[k], c.count) } }
        func line(_ r: [String]) -> String {
            r.enumerated().map { k, c in
                k == 0 ? c.padding(toLength: widths[k], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[k] - c.count) + c
            }.joined(separator: "  ")
        }
        var out = [line(rows[0]), String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))]
        for r in rows.dropFirst().dropLast() { out.append(line(r)) }
        if videos.count > 1 { out.append(out[1]) }
        out.append(line(rows.last!))
        out.append("VPQ: mean over windows of 1-4 evaluated frames (k = 0,5,10,15), every \(vpqStride == 1 ? "" : "\(vpqStride)th ")frame evaluated; SQ = STQ's mean class IoU; TC = mask temporal consistency (motion-compensated IoU), prediction vs ground truth.")
        return out.joined(separator: "\n")
    }

    /// The report as pretty-printed JSON with sorted keys; undefined figures are left out.
    public func json() throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try enc.encode(self), as: UTF8.self)
    }
}
