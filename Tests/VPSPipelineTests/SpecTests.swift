import Foundation
import VPSCore
import VPSPipeline
import XCTest
import TestSupport

final class SpecTests: XCTestCase {
    /// A registry of test stages, so the spec/registry logic is checked on its own.
    let registry = StageRegistry([
        StageDefinition(name: "count", summary: "", keys: ["n"], builder: .source { s, _ in
            CountingSource(count: try s.int("n", default: 3))
        }),
        StageDefinition(name: "tag", summary: "", keys: ["label", "delay"], builder: .stage { s, _ in
            TagStage(try s.string("label", default: "t"), delay: try s.double("delay", default: 0))
        }),
    ])

    private func expectInvalid(_ yaml: String, contains text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try registry.build(PipelineSpec.parse(yaml: yaml, origin: "t.yaml"), context: BuildContext(input: "x")),
                             file: file, line: line) {
            guard case .invalidPipeline(let m) = $0 as? VPSError else { return XCTFail("\($0)", file: file, line: line) }
            XCTAssertTrue(m.contains(text), "\(m) should mention \(text)", file: file, line: line)
        }
    }

    func testParsesStagesAndSettings() throws {
        let spec = try PipelineSpec.parse(yaml: """
        name: demo
        queue_capacity: 2
        stages:
          - count: {n: 4}
          - tag:
              label: x
              delay: 0
          - tag
        """)
        XCTAssertEqual(spec.name, "demo")
        XCTAssertEqual(spec.queueCapacity, 2)
        XCTAssertEqual(spec.stages, [StageSpec(name: "count", settings: ["n": .int(4)]),
                                     StageSpec(name: "tag", settings: ["label": .string("x"), "delay": .int(0)]),
                                     StageSpec(name: "tag")])
        let pipeline = try registry.build(spec, context: BuildContext(input: "x"))
        XCTAssertEqual(pipeline.stages.map(\.name), ["x", "t"])
        XCTAssertEqual(try SynchronousRunner.run(pipeline).frames, 4)
    }

    func testOverridesReachTheNamedStage() throws {
        var spec = try PipelineSpec.parse(yaml: "stages: [count, {tag: {label: a}}]")
        XCTAssertTrue(spec.override(stage: "tag", key: "label", value: .string("b")))
        XCTAssertFalse(spec.override(stage: "motion", key: "preset", value: .string("fast")))
        XCTAssertEqual(spec.stages[1].settings["label"], .string("b"))
    }

    func testBadDescriptionsGiveClearErrors() {
        expectInvalid("stages: [count, blur]", contains: "unknown stage 'blur'; valid stages: count, tag")
        expectInvalid("stages: [count, {tag: {colour: red}}]", contains: "stage 'tag' has no setting 'colour'; valid: label, delay")
        expectInvalid("stages: [count, {tag: {label: 3}}]", contains: "setting 'label' of stage 'tag' must be a string")
        expectInvalid("stages: [tag, count]", contains: "the first stage must be a source (count)")
        expectInvalid("stages: [count, count]", contains: "'count' is a source and must come first")
        expectInvalid("stagez: [count]", contains: "unknown key 'stagez'")
        expectInvalid("stages: []", contains: "'stages' must be a non-empty list")
        expectInvalid("stages: [count\n  - : :", contains: "YAML")
        expectInvalid("queue_capacity: 0\nstages: [count]", contains: "queue_capacity")
        expectInvalid("- just\n- a list", contains: "expected a mapping")
    }

    func testShippedPipelinesParse() throws {
        let dir = TestPaths.root.appendingPathComponent("pipelines")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }
        XCTAssertTrue(files.contains("flow.yaml"))
        // The shipped files stand in for the built-ins they are embedded as.
        var builtins: [String: String] = [:]
        for f in files { builtins[String(f.dropLast(5))] = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8) }
        for f in files {
            let spec = try PipelineSpec.load(path: dir.appendingPathComponent(f).path, builtins: builtins)
            XCTAssertFalse(spec.stages.isEmpty, f)
            XCTAssertEqual(spec.stages.first?.name, "decode", f)
        }
    }
}
