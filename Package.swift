// swift-tools-version:5.9
// vps — video panoptic segmentation and tracking.
//
// The targets follow the data path: video (decode/encode) → motion (optical
// flow) → pipeline (staged Dispatch runtime) → commands. C and C++ libraries
// come in through thin shim targets named C*.
import PackageDescription

/// OpenCV headers live outside the package; only a root package may say so.
let openCVInclude: [CXXSetting] = [.unsafeFlags(["-I/usr/include/opencv4"])]

let package = Package(
    name: "vps",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vps", targets: ["vps"]),
        .library(name: "VPSCore", targets: ["VPSCore"]),
        .library(name: "VPSTensor", targets: ["VPSTensor"]),
        .library(name: "VPSCheckpoint", targets: ["VPSCheckpoint"]),
        .library(name: "VPSDetection", targets: ["VPSDetection"]),
        .library(name: "VPSFormats", targets: ["VPSFormats"]),
        .library(name: "VPSRender", targets: ["VPSRender"]),
        .library(name: "VPSEval", targets: ["VPSEval"]),
        .library(name: "VPSSynth", targets: ["VPSSynth"]),
        .library(name: "VPSTracking", targets: ["VPSTracking"]),
        .library(name: "VPSPanoptic", targets: ["VPSPanoptic"]),
        .library(name: "VPSStitch", targets: ["VPSStitch"]),
        // For scripts/fuzz, which builds its targets against these modules.
        .library(name: "VPSPipeline", targets: ["VPSPipeline"]),
        .library(name: "VPSVideo", targets: ["VPSVideo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // MARK: native shims
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat libavcodec libswscale libavutil",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]
        ),

        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .target(
            name: "CVBridge",
            cxxSettings: openCVInclude,
            linkerSettings: [
                .linkedLibrary("opencv_core"),
                .linkedLibrary("opencv_imgproc"),
                .linkedLibrary("opencv_video"),
            ]
        ),

        // MARK: libraries, in data-path order
        .target(name: "VPSCore"),
        .target(name: "VPSVideo", dependencies: ["VPSCore", "VPSFormats", "CFFmpeg"]),
        .target(name: "VPSMotion", dependencies: ["VPSCore", "CVBridge"]),
        .target(name: "VPSTensor", dependencies: ["CDNNL"]),
        .target(name: "VPSCheckpoint", dependencies: ["VPSCore"]),
        .target(name: "VPSDetection", dependencies: ["VPSCore", "VPSTensor", "VPSCheckpoint"]),
        .target(name: "VPSPipeline", dependencies: ["VPSCore", .product(name: "Yams", package: "Yams")]),
        .target(name: "VPSStages", dependencies: ["VPSCore", "VPSVideo", "VPSMotion", "VPSPipeline", "VPSFormats", "VPSDetection", "VPSCheckpoint", "VPSTensor", "VPSTracking", "VPSPanoptic", "VPSRender"]),
        .target(name: "VPSCommands", dependencies: [
            "VPSCore", "VPSVideo", "VPSMotion", "VPSPipeline", "VPSStages", "VPSTensor", "VPSCheckpoint", "VPSDetection",
            "VPSFormats", "VPSEval", "VPSSynth", "VPSStitch", "VPSPanoptic",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "vps", dependencies: ["VPSCommands"]),

        // MARK: results, exports, metrics, synthetic data
        .target(name: "VPSFormats", dependencies: ["VPSCore"]),
        .target(name: "VPSEval", dependencies: ["VPSCore", "VPSFormats", "VPSVideo", "VPSMotion", "VPSRender"]),

        // MARK: drawing: palette, outlines, OpenCV drawing, the annotated frame
        .target(name: "VPSRender", dependencies: ["VPSCore", "VPSFormats", "CVBridge"]),
        .target(name: "VPSSynth", dependencies: ["VPSCore", "VPSFormats", "VPSVideo"]),

        // MARK: tracking (association, track lifecycle), then panoptic fusion of tracked instances and stuff
        .target(name: "VPSTracking", dependencies: ["VPSCore"]),
        .target(name: "VPSPanoptic", dependencies: ["VPSCore", "VPSFormats"]),

        // MARK: chunked runs: manifests, track linking across chunks, stitching
        .target(name: "VPSStitch", dependencies: ["VPSCore", "VPSFormats"]),

        // MARK: tests
        .target(name: "TestSupport", dependencies: ["VPSCore", "VPSVideo", "VPSCheckpoint", "VPSDetection"], path: "Tests/TestSupport"),
        .testTarget(name: "VPSCoreTests", dependencies: ["VPSCore", "TestSupport"]),
        .testTarget(name: "VPSVideoTests", dependencies: ["VPSVideo", "TestSupport"]),
        .testTarget(name: "VPSMotionTests", dependencies: ["VPSMotion", "VPSVideo", "TestSupport"]),
        .testTarget(name: "VPSPipelineTests", dependencies: ["VPSPipeline", "TestSupport"]),
        .testTarget(name: "VPSTensorTests", dependencies: ["VPSTensor", "TestSupport"]),
        .testTarget(name: "VPSCheckpointTests", dependencies: ["VPSCheckpoint", "VPSDetection", "TestSupport"]),
        .testTarget(name: "VPSDetectionTests", dependencies: ["VPSDetection", "VPSCheckpoint", "VPSTensor", "VPSCore", "VPSMotion", "VPSVideo", "VPSFormats", "VPSTracking", "VPSPanoptic", "TestSupport"]),
        .testTarget(name: "VPSCommandsTests", dependencies: ["vps", "VPSCommands", "VPSStages", "VPSVideo", "TestSupport", "VPSDetection", "VPSCheckpoint", "VPSFormats", "VPSTracking", "VPSSynth", "VPSEval", "VPSStitch", "VPSPanoptic"]),
        .testTarget(name: "VPSStagesTests", dependencies: ["VPSStages", "VPSVideo", "VPSRender", "VPSPipeline", "VPSFormats", "VPSTracking", "VPSPanoptic", "VPSDetection", "VPSTensor", "VPSCheckpoint", "VPSMotion", "VPSCore", "TestSupport"]),
        .testTarget(name: "VPSFormatsTests", dependencies: ["VPSFormats", "VPSVideo", "TestSupport"]),
        .testTarget(name: "VPSEvalTests", dependencies: ["VPSEval", "VPSFormats", "VPSVideo", "TestSupport"]),
        .testTarget(name: "VPSSynthTests", dependencies: ["VPSSynth", "VPSFormats", "VPSEval", "VPSVideo", "TestSupport"]),
        .testTarget(name: "VPSStitchTests", dependencies: ["VPSStitch", "VPSFormats", "VPSCore", "VPSVideo", "TestSupport"]),
        .testTarget(name: "VPSTrackingTests", dependencies: ["VPSTracking", "VPSPanoptic", "VPSSynth", "VPSEval", "VPSFormats", "VPSMotion", "VPSCore", "TestSupport"]),
        .testTarget(name: "VPSPanopticTests", dependencies: ["VPSPanoptic", "VPSFormats", "VPSCore", "TestSupport"]),
    ]
)
