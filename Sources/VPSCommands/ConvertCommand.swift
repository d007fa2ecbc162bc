import ArgumentParser
import Foundation
import VPSCore
import VPSFormats
import VPSVideo

/// `vps convert INPUT -o OUT --format F`: rewrites a panoptic video directory
/// (or a COCO / YouTube-VIS / MOTS export of one video) in another export format.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert one video's results between formats: panoptic directory, coco, youtube-vis, mots, mot.",
        discussion: "Instance exports carry things only; converting them to a panoptic directory leaves stuff void.")

    @Argument(help: "A panoptic video directory (panoptic.json + PNGs) or an instance export file.")
    var input: String

    @Option(name: .shortAndLong, help: "Output file (a directory for --format panoptic).")
    var output: String

    @Option(help: "youtube-vis, coco, mots, mot or panoptic.")
    var format: String

    @Option(help: "Category list for instance-file input: a panoptic.json whose categories to use.")
    var categories: String?

    func run() throws {
        let fmt = try ExportFormat(argument: format)
        let png = ImageFile.pngCodec
        let writer: ResultWriter
        if FileSystem.isDirectory(input) {
            let videos = try PanopticDataset.open(input)
            guard videos.count == 1 else {
                throw VPSError.invalidArgument("\(input) holds \(videos.count) videos; convert one video directory at a time")
            }
            let v = videos[0]
            writer = try makeResultWriter(format: fmt, path: output, categories: v.categories, png: png)
            for k in v.frames.indices { try writer.write(try v.frame(k, png: png)) }
        } else {
            try InputFile.validate(input)
            let records = try InstanceReader.read(input)
            var cats: [VPSFormats.Category]
            if let c = categories {
                cats = try PanopticVideo(directory: URL(fileURLWithPath: c).deletingLastPathComponent().path).categories
            } else {
                cats = Set(records.map(\.categoryId)).sorted().map { Category(id: $0, name: "class\($0)", isThing: true) }
            }
            writer = try makeResultWriter(format: fmt, path: output, categories: cats, png: png)
            let frames = try InstanceFrames(records)
            for t in 0..<frames.count { try writer.write(try frames.frame(t)) }
        }
        try writer.finish()
    }
}
