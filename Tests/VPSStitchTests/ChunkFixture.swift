import Foundation
import TestSupport
import VPSCore
import VPSFormats
import VPSStitch
import VPSVideo

/// A synthetic "video" with known identities, cut into chunks whose exports
/// carry chunk-local track ids, as `vps annotate --segment` writes them.
///
/// Objects are squares moving one pixel per frame; object `o` is alive in
/// frames `alive[o]`. Chunk k gives object o the local track id
/// `1 + (o * 7 + k * 3) % 50` (a different permutation per chunk), so a
/// stitch that did not relabel would mix identities.
struct ChunkFixture {
    let width = 40, height = 30
    let frameCount: Int
    let alive: [Range<Int>]
    let thing = Category(id: 4, name: "box", isThing: true)
    let stuff = Category(id: 2, name: "ground", isThing: false)

    init(frameCount: Int = 24, alive: [Range<Int>]? = nil) {
        self.frameCount = frameCount
        self.alive = alive ?? [0..<frameCount, 3..<17, 10..<frameCount]
    }

    func localTrack(object o: Int, chunk k: Int) -> Int { 1 + (o * 7 + k * 3) % 50 }

    /// Frame `t` with chunk `k`'s local ids: ground everywhere, objects on top.
    func frame(_ t: Int, chunk k: Int) -> PanopticFrame {
        var ids = [Int32](repeating: Int32(stuff.id * 1000), count: width * height)
        var segments = [Segment(id: stuff.id * 1000, categoryId: stuff.id)]
        for (o, life) in alive.enumerated() where life.contains(t) {
            let track = localTrack(object: o, chunk: k)
            let sid = thing.id * 1000 + track
            let x0 = (o * 12 + t / 2) % (width - 6), y0 = 4 + o * 8
            for y in y0..<(y0 + 6) { for x in x0..<(x0 + 6) { ids[y * width + x] = Int32(sid) } }
            segments.append(Segment(id: sid, categoryId: thing.id, trackId: track, score: 0.9 - Double(o) * 0.1))
        }
        var f = PanopticFrame(index: t, width: width, height: height, ids: ids, segments: segments)
        f.refreshGeometry()
        return f
    }

    static let png = ImageFile.pngCodec

    /// Writes chunk k of `count` (overlap `overlap`) in `format` under `dir`; returns the manifest path.
    func writeChunk(_ k: Int, of count: Int, overlap: Int, format: ExportFormat, dir: String,
                    model: String = "m0", pipeline: String = "p0", fingerprint: String = "v0") throws -> String {
        let plan = try ChunkPlan(index: k, count: count, overlap: overlap)
        let selection = 0..<frameCount
        let core = try plan.core(of: selection), frames = try plan.processed(of: selection)
        let path = dir + "/chunk\(k).\(format.rawValue)"
        let writer = try makeResultWriter(format: format, path: path, categories: [stuff, thing], png: Self.png)
        for t in frames { try writer.write(frame(t, chunk: k)) }
        try writer.finish()
        let manifest = ChunkManifest(
            tool: "test", source: .init(path: "/videos/a.mp4", bytes: 1000, frames: frameCount, width: width, height: height, fingerprint: fingerprint),
            chunk: .init(index: k, count: count, overlap: overlap, selection: .init(selection), core: .init(core), frames: .init(frames)),
            model: .init(name: "model.safetensors", sha256: model), pipeline: .init(name: "default", sha256: pipeline),
            video: nil, exports: [.init(path: ChunkManifest.stored(path, manifestPath: path + ".manifest.json"), format: format.rawValue)])
        try manifest.write(to: path + ".manifest.json")
        return path + ".manifest.json"
    }

    /// Object of a stitched instance: the object whose square covers the mask's first pixel.
    func object(at frame: Int, box: [Double]) -> Int? {
        alive.indices.first { o in
            alive[o].contains(frame) && abs(Double((o * 12 + frame / 2) % (width - 6)) - box[0]) < 0.5 && abs(Double(4 + o * 8) - box[1]) < 0.5
        }
    }
}
