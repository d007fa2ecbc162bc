import VPSCore
import VPSFormats
import VPSPanoptic
import VPSPipeline
import VPSStages

/// Builds one stage of the standard table from settings, as a pipeline file
/// would: the registry's own checks of the name and the setting keys first.
/// `output` is the command's output path (the `encode` stage needs one).
func buildStage(_ name: String, _ settings: [String: SettingValue], output: String? = nil) throws -> Stage {
    let def = try StandardStages.registry.definition(for: StageSpec(name: name, settings: settings), in: "test")
    guard case .stage(let make) = def.builder else { throw VPSError.invalidPipeline("\(name) is a source") }
    return try make(StageSettings(stage: name, values: settings), BuildContext(input: "test", output: output))
}

/// A packet of frame `index` holding `image`.
func packet(_ index: Int, _ image: RGBImage) -> Packet {
    Packet(frame: VideoFrame(index: index, timestamp: Double(index) / 10, image: image))
}

/// A model's raw instance (`category` = the model label) with a rectangular
/// mask covering x0..<x1, y0..<y1.
func rectDetection(label: Int, score: Float, _ w: Int, _ h: Int, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) -> Instance {
    Instance(category: label, score: Double(score),
             mask: .rectangle(frameWidth: w, frameHeight: h, x0: x0, y0: y0, x1: x1, y1: y1))
}

/// The class names of the test model: label 1 person, 2 car.
let testClassNames = ["__background__", "person", "car"]

/// A panoptic result of `width`×`height` from id rectangles (later ones on top).
func panopticResult(index: Int = 0, width: Int, height: Int,
                    rects: [(id: Int, trackId: Int?, score: Double, x0: Int, y0: Int, x1: Int, y1: Int)],
                    categories: [Category] = [Category(id: 1, name: "person", isThing: true),
                                              Category(id: 2, name: "car", isThing: true),
                                              Category(id: 51, name: "road", isThing: false)]) -> PanopticResult {
    var ids = [Int32](repeating: 0, count: width * height)
    for r in rects { for y in r.y0..<r.y1 { for x in r.x0..<r.x1 { ids[y * width + x] = Int32(r.id) } } }
    var frame = PanopticFrame(index: index, width: width, height: height, ids: ids,
                              segments: rects.map { Segment(id: $0.id, trackId: $0.trackId, score: $0.score) })
    frame.refreshGeometry()
    return PanopticResult(frame: frame, categories: categories)
}
