import Foundation
import TestSupport
import VPSCheckpoint
import XCTest

/// Checkpoint files the fuzzers found to crash the readers or to fail with a
/// message of several lines: each is now refused with one line.
final class FuzzRegressionTests: XCTestCase {
    func testTorchFilesFailWithOneLine() throws {
        let files = FuzzRegressions.inputs("torch-zip")
        XCTAssertFalse(files.isEmpty)
        for path in files {
            XCTAssertThrowsError(try TorchCheckpoint.read(path: path), path) { error in
                XCTAssertNil(FuzzRegressions.problem(with: error), path)
            }
        }
    }

    func testSafetensorsFilesFailWithOneLine() throws {
        for path in FuzzRegressions.inputs("safetensors") {
            XCTAssertThrowsError(try Safetensors.read(path: path), path) { error in
                XCTAssertNil(FuzzRegressions.problem(with: error), path)
            }
        }
    }

    /// Names from a file are shown escaped and shortened, whatever they hold.
    func testNamesInMessagesAreOneLine() {
        let error = CheckpointError.malformed(path: "x.pth", reason: "entry a\nb\u{1b}[2J" + String(repeating: "c", count: 5000))
        XCTAssertTrue(error.description.hasPrefix("checkpoint x.pth is malformed: entry a\\nb\\u{1b}[2J"))
        XCTAssertNil(FuzzRegressions.problem(with: error))
        XCTAssertFalse(error.reason.contains("\n"))
    }
}
