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

    /// Scalars keep their YAML types; a base-60 integer Yams would overflow on is an error.
    func testScalarsAreTypedAndOverflowIsAnError() throws {
        let spec = try PipelineSpec.parse(yaml: "stages:\n  - s: {a: 3, b: 0.5, c: true, d: '3', e: -.inf, f: x}\n", origin: "t.yaml")
        XCTAssertEqual(spec.stages[0].settings, ["a": .int(3), "b": .double(0.5), "c": .bool(true), "d": .string("3"),
                                                 "e": .double(-.infinity), "f": .string("x")])
        XCTAssertThrowsError(try PipelineSpec.parse(yaml: "stages:\n  - s:\n      a: 3:3:3:1:1:3:3:1:13:3:3:3:13\n", origin: "t.yaml")) {
            XCTAssertTrue("\($0)".contains("cannot read '3:3:3:1:1:3:3:1:13:3:3:3:13' as a number"), "\($0)")
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
