import Foundation
import TestSupport
import VPSCore
import VPSPipeline
import XCTest

/// Pipeline files the fuzzer found to crash the YAML loader: each is now an
/// `invalidPipeline` error of one line.
final class FuzzRegressionTests: XCTestCase {
    func testKeptInputsFailWithOneLine() throws {
        let files = FuzzRegressions.inputs("pipeline-yaml")
        XCTAssertFalse(files.isEmpty)
        for path in files {
            // As the fuzz target reads them: bytes decoded as UTF-8, invalid sequences replaced.
            let text = String(decoding: try XCTUnwrap(FileManager.default.contents(atPath: path)), as: UTF8.self)
            XCTAssertThrowsError(try PipelineSpec.parse(yaml: text, origin: path), path) { error in
                guard case .invalidPipeline = error as? VPSError else { return XCTFail("\(path): \(error)") }
                XCTAssertNil(FuzzRegressions.problem(with: error), path)
            }
        }
    }

    /// A mapping used as a key (`? {a: 1}`) trapped inside Yams' default constructor.
    func testNonScalarKeyIsAnError() {
        XCTAssertThrowsError(try PipelineSpec.parse(yaml: "stages:\n  - decode:\n      ? {a: 1}\n      : 2\n", origin: "k.yaml")) {
            XCTAssertTrue("\($0)".contains("k.yaml: a mapping key is not a plain string"), "\($0)")
        }
    }

    /// Aliases of aliases expand exponentially; the loader stops counting at `maxNodes`.
    func testAliasBombIsAnError() {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1..<8 { yaml += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        yaml += "stages: [decode]\n"
        XCTAssertThrowsError(try PipelineSpec.parse(yaml: yaml, origin: "bomb.yaml")) {
            XCTAssertTrue("\($0)".contains("more than 100000 YAML nodes"), "\($0)")
        }
    }
}
