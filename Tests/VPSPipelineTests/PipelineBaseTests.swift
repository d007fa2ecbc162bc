import Foundation
import VPSCore
import VPSPipeline
import XCTest
import TestSupport

/// `base:`: a pipeline that builds on a built-in one or on another file.
final class PipelineBaseTests: XCTestCase {
    let builtins = [
        "full": """
        name: full
        description: every stage
        queue_capacity: 3
        stages:
          - count: {n: 5}
          - tag: {label: a, delay: 0}
          - blur: {radius: 2, sigma: 1.5}
          - tag: {label: b}
        """,
        "loop-a": "base: loop-b\nstages: []",
        "loop-b": "base: loop-a\nstages: []",
    ]

    private func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    /// Settings merge key by key (the derived file wins), every stage of the
    /// name is changed, `without` drops stages, the order is the base's, and
    /// the header falls back to the base's.
    func testMergesSettingsAndDropsStages() throws {
        let spec = try PipelineSpec.parse(yaml: """
        name: lean
        base: full
        without: [blur]
        stages:
          - tag: {delay: 0.5}
          - count: {n: 2}
        """, builtins: builtins)
        XCTAssertEqual(spec.name, "lean")
        XCTAssertEqual(spec.description, "every stage")
        XCTAssertEqual(spec.queueCapacity, 3)
        XCTAssertEqual(spec.stages, [
            StageSpec(name: "count", settings: ["n": .int(2)]),
            StageSpec(name: "tag", settings: ["label": .string("a"), "delay": .double(0.5)]),
            StageSpec(name: "tag", settings: ["label": .string("b"), "delay": .double(0.5)]),
        ])
    }

    /// An entry naming a stage the base lacks adds it right after the stage
    /// the entry before it names.
    func testANewStageGoesAfterThePreviousEntry() throws {
        let spec = try PipelineSpec.parse(yaml: """
        base: full
        stages:
          - count: {}
          - sharpen: {amount: 2}
          - blur: {}
          - vignette: {}
        """, builtins: builtins)
        XCTAssertEqual(spec.stages.map(\.name), ["count", "sharpen", "tag", "blur", "vignette", "tag"])
        XCTAssertEqual(spec.stages[1].settings, ["amount": .int(2)])
    }

    /// With only a base, the result is the base under the file's name.
    func testABaseAloneIsTheBase() throws {
        let spec = try PipelineSpec.parse(yaml: "name: same\nqueue_capacity: 8\nbase: full", builtins: builtins)
        let full = try PipelineSpec.builtin("full", in: builtins)
        XCTAssertEqual(spec.stages, full.stages)
        XCTAssertEqual(spec.queueCapacity, 8)
        XCTAssertEqual(spec.name, "same")
    }

    func testBadBasesAreOneLineErrors() {
        let cases: [(String, String)] = [
            ("base: fulll", "unknown base 'fulll'; built-in pipelines: full, loop-a, loop-b (or give a path to a .yaml file)"),
            ("base: full\nwithout: [motion]", "'without' names stage 'motion', which base 'full' does not have (its stages: count, tag, blur, tag)"),
            ("base: full\nstages: [{motion: {scale: 1}}]", "stage 'motion' is not in base 'full'"),
            ("base: full\nwithout: [blur]\nstages: [blur]", "stage 'blur' is not in base 'full' (its stages: count, tag, tag)"),
            ("without: [blur]\nstages: [count]", "'without' needs a 'base'"),
            ("base: [full]", "'base' must be a built-in pipeline's name or a path to a .yaml file"),
            ("base: full\nwithout: blur", "'without' must be a list of stage names"),
            ("base: loop-a", "a cycle of bases: loop-a.yaml (built in) → loop-b.yaml (built in) → loop-a.yaml (built in)"),
            ("base: nowhere/base.yaml", "base 'nowhere/base.yaml' cannot be read"),
        ]
        for (yaml, expected) in cases {
            let m = message { try PipelineSpec.parse(yaml: yaml, origin: "t.yaml", builtins: self.builtins) }
            XCTAssertTrue(m.contains(expected), "\(yaml): \(m)")
            XCTAssertFalse(m.contains("\n"), m)
        }
        XCTAssertTrue(message { try PipelineSpec.parse(yaml: "base: full") }.contains("unknown base 'full'; none are known here"))
    }

    /// A base path is relative to the file that names it, through any depth;
    /// a cycle of files is named.
    func testRelativeBaseFilesAndCycles() throws {
        let dir = TestMedia.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/bases", withIntermediateDirectories: true)
        try "name: root\nstages:\n  - count: {n: 4}\n  - tag: {label: r}\n".write(toFile: dir + "/bases/root.yaml", atomically: true, encoding: .utf8)
        try "base: root.yaml\nstages: [{tag: {delay: 1}}]\n".write(toFile: dir + "/bases/middle.yaml", atomically: true, encoding: .utf8)
        try "name: top\nbase: bases/middle.yaml\nstages: [{count: {n: 2}}]\n".write(toFile: dir + "/top.yaml", atomically: true, encoding: .utf8)
        let top = try PipelineSpec.load(path: dir + "/top.yaml")
        XCTAssertEqual(top.name, "top")
        XCTAssertEqual(top.stages, [StageSpec(name: "count", settings: ["n": .int(2)]),
                                    StageSpec(name: "tag", settings: ["label": .string("r"), "delay": .int(1)])])
        // a file may also build on a built-in pipeline
        try "base: full\nwithout: [blur]\n".write(toFile: dir + "/lean.yaml", atomically: true, encoding: .utf8)
        XCTAssertEqual(try PipelineSpec.load(path: dir + "/lean.yaml", builtins: builtins).stages.map(\.name), ["count", "tag", "tag"])

        try "base: ../b.yaml\n".write(toFile: dir + "/bases/a.yaml", atomically: true, encoding: .utf8)
        try "base: bases/a.yaml\n".write(toFile: dir + "/b.yaml", atomically: true, encoding: .utf8)
        let m = message { try PipelineSpec.load(path: dir + "/b.yaml") }
        XCTAssertTrue(m.contains("a cycle of bases: \(dir)/b.yaml → \(dir)/bases/a.yaml → \(dir)/b.yaml"), m)
        try "base: ./self.yaml\n".write(toFile: dir + "/self.yaml", atomically: true, encoding: .utf8)
        XCTAssertTrue(message { try PipelineSpec.load(path: dir + "/self.yaml") }.contains("a cycle of bases"))
    }
}
