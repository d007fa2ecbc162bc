// swift-tools-version:5.9
// libFuzzer targets for vps's file readers; built and run by `scripts/fuzz/run`.
//
// One executable per reader, linked with `-sanitize=fuzzer,address`. Its
// main.swift hands a function of the input bytes to `Fuzz.main`, which runs
// libFuzzer's driver (SwiftPM names an executable's entry point itself, so
// libFuzzer's own `main` is not used). A reader may throw on any input; a
// trap, a sanitizer report, a hang or an out-of-memory is a finding.
import PackageDescription

/// Target name → the vps modules it uses.
let fuzzTargets: [(String, [String])] = [
    ("safetensors", ["VPSCheckpoint"]),
    ("torch-zip", ["VPSCheckpoint"]),
    ("torch-pickle", ["VPSCheckpoint"]),
    ("detectron2-pkl", ["VPSCheckpoint"]),
    ("pipeline-yaml", ["VPSPipeline"]),
    ("coco-json", ["VPSFormats"]),
    ("youtube-vis-json", ["VPSFormats"]),
    ("mots-text", ["VPSFormats"]),
    ("mot-text", ["VPSFormats"]),
    ("panoptic-json", ["VPSFormats", "VPSCore"]),
    ("panoptic-png", ["VPSFormats", "VPSCore", "VPSVideo"]),
]

let package = Package(
    name: "vps-fuzz",
    dependencies: [.package(name: "vps", path: "../..")],
    targets: [
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: [
            "CLibFuzzer", .product(name: "VPSFormats", package: "vps"), .product(name: "VPSCore", package: "vps"),
        ]),
    ] + fuzzTargets.map { name, modules in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: ["FuzzSupport"] + modules.map { .product(name: $0, package: "vps") },
            path: "Targets/\(name)")
    }
)
