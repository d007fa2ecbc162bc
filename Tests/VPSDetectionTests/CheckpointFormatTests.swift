import Foundation
import TestSupport
import VPSCheckpoint
import VPSCore
import VPSDetection
import XCTest

/// The seam for checkpoint formats: which format reads a file, decided by
/// its first bytes before its name, and one-line errors from `MaskRCNN.load`.
final class CheckpointFormatTests: XCTestCase {
    static let fixtures = TestPaths.fixture("checkpoints")

    func testMagicBytesDecideBeforeTheExtension() throws {
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A safetensors file named .pth, and a torch zip named .safetensors.
        let safetensors = dir + "/really-safetensors.pth"
        try TinyModel.writeCheckpoint(seed: 1, to: safetensors)
        XCTAssertTrue(CheckpointFormats.format(of: safetensors) == SafetensorsFormat.self)
        let zip = dir + "/really-zip.safetensors"
        try FileManager.default.copyItem(atPath: Self.fixtures + "/small.pth", toPath: zip)
        XCTAssertTrue(CheckpointFormats.format(of: zip) == TorchvisionFormat.self)
        XCTAssertEqual(try CheckpointFormats.read(path: zip).weights.tensors.count, 6)
        // Both still load as what they are.
        let loaded = try CheckpointFormats.read(path: safetensors)
        XCTAssertEqual(loaded.format, "safetensors")
        XCTAssertEqual(loaded.config, .carried(TinyModel.config()))
        XCTAssertNoThrow(try MaskRCNN.load(path: safetensors))
    }

    func testHeadersEachFormatRecognises() {
        let st: [UInt8] = [5, 0, 0, 0, 0, 0, 0, 0] + Array("{}   ".utf8)
        XCTAssertTrue(SafetensorsFormat.recognises(header: st))
        XCTAssertFalse(SafetensorsFormat.recognises(header: Array(st.prefix(8))))
        XCTAssertFalse(SafetensorsFormat.recognises(header: [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, UInt8(ascii: "{")]))
        XCTAssertFalse(SafetensorsFormat.recognises(header: Array("{\"a\": 1, \"b\": 2}".utf8)))
        XCTAssertTrue(TorchvisionFormat.recognises(header: [0x50, 0x4B, 0x03, 0x04, 0, 0]))
        XCTAssertFalse(TorchvisionFormat.recognises(header: [0x80, 0x02, 0x8A, 0x0A]))
        XCTAssertFalse(TorchvisionFormat.recognises(header: st))
    }

    /// Without magic the extension decides; without either, vps's own format
    /// reads the file and says it is not one.
    func testUnknownFilesFallBackToExtensionThenSafetensors() {
        let json = Self.fixtures + "/small.json"
        XCTAssertTrue(CheckpointFormats.format(of: json) == SafetensorsFormat.self)
        XCTAssertTrue(CheckpointFormats.format(of: "/nonexistent/model.PTH") == TorchvisionFormat.self)
        XCTAssertTrue(CheckpointFormats.format(of: "/nonexistent/model.bin") == SafetensorsFormat.self)
    }

    func testWrongFormatFileIsOneLine() throws {
        for file in ["small.json", "hostile.pth"] {
            XCTAssertThrowsError(try MaskRCNN.load(path: Self.fixtures + "/" + file)) { error in
                guard case VPSError.unreadableInput(let path, _) = error else { return XCTFail("\(file): \(error)") }
                XCTAssertTrue(path.hasSuffix(file))
                XCTAssertFalse("\(error)".contains("\n"), "\(error)")
            }
        }
        XCTAssertThrowsError(try MaskRCNN.load(path: Self.fixtures + "/small.json")) {
            XCTAssertTrue("\($0)".contains("not a safetensors file"), "\($0)")
        }
        // Weights that do not fit the config: one line with counts and names.
        XCTAssertThrowsError(try MaskRCNN.load(path: Self.fixtures + "/small.pth")) {
            XCTAssertFalse("\($0)".contains("\n"), "\($0)")
            XCTAssertTrue("\($0)".contains("backbone.body.conv1.weight"), "\($0)")
        }
    }

    func testSafetensorsWithoutConfigNeedsOne() throws {
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/bare.safetensors"
        try Safetensors.write(try TinyModel.weights(TinyModel.config(), seed: 2), to: path)
        XCTAssertThrowsError(try ModelCheckpoint.load(path: path)) {
            XCTAssertEqual($0 as? DetectionError, .missingConfig(path: path))
        }
        XCTAssertThrowsError(try MaskRCNN.load(path: path)) { XCTAssertTrue("\($0)".contains("--model-config"), "\($0)") }
        let (config, _) = try ModelCheckpoint.load(path: path, fallback: TinyModel.config())
        XCTAssertEqual(config, TinyModel.config())
    }
}
