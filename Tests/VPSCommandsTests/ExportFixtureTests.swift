import Foundation
import XCTest
import VPSVideo

/// The exports that pycocotools, panopticapi, Datumaro (`coco_instances`,
/// `coco_panoptic`, `mot_seq`) and TrackEval accepted, with every mask and box
/// equal to the ground truth (`scripts/check_exports.py --fixtures`), are
/// what vps still writes: each is regenerated from the committed panoptic
/// directory with `vps convert` and compared byte for byte (the panoptic
/// PNGs pixel for pixel).
final class ExportFixtureTests: CLITestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/exports").path

    func testExportsMatchTheAcceptedFixtures() throws {
        let dir = NSTemporaryDirectory() + "vps-expfix-\(getpid())-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = Self.fixtures + "/out.panoptic"
        for format in ["coco", "youtube-vis", "mots", "mot", "panoptic"] {
            let out = dir + "/out." + format
            let r = try vps("convert", source, "-o", out, "--format", format)
            XCTAssertEqual(r.status, 0, r.err)
            let file = format == "panoptic" ? "/panoptic.json" : ""
            let written = try String(contentsOfFile: out + file, encoding: .utf8)
            let accepted = try String(contentsOfFile: Self.fixtures + "/out." + format + file, encoding: .utf8)
            XCTAssertEqual(written, accepted, "\(format) differs from the file the readers accepted")
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: source + "/panoptic") {
            let a = try ImageFile.read(source + "/panoptic/" + name), b = try ImageFile.read(dir + "/out.panoptic/panoptic/" + name)
            XCTAssertEqual(a.pixels, b.pixels, name)
        }
    }
}
