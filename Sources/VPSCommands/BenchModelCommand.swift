import ArgumentParser
import Foundation
import VPSCheckpoint
import VPSCore
import VPSDetection
import VPSTensor
import VPSStages
import VPSVideo

/// `vps bench model`: Mask R-CNN speed per part on real frames, with the
/// seeded R50-FPN weights of the parity fixture (identical to what
/// `scripts/bench_torchvision.py` runs).
struct BenchModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Benchmark Mask R-CNN (seconds per frame, time and GFLOP/s per part).",
        discussion: """
        Runs on frames of INPUT at torchvision's default size (800×1088 after resizing for vtest.avi) \
        with 100 detections forced (score threshold 0), as torchvision does. A oneDNN 3×3 convolution \
        is timed in the same run, as the reference rate for the backbone.
        """)

    @Argument(help: "Input video (default: OpenCV's vtest.avi from opencv-doc).")
    var input: String = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"

    @Option(help: "Seeded model description (the parity fixture).")
    var model: String = "Tests/Fixtures/parity/r50_fpn.json"

    @Option(help: "Checkpoint to use instead of the seeded model (.safetensors, .pth or Detectron2 .pkl).")
    var weights: String?

    @Option(help: "Frames to time (after one warm-up frame).")
    var frames: Int = 3

    @Option(help: "First frame to use.")
    var start: Int = 0

    @Option(name: .customLong("score-threshold"), help: "Also time a run with this threshold, masks only for the survivors.")
    var scoreThreshold: Double?

    @Option(help: "Worker threads (OpenMP for oneDNN; 0 = library default).")
    var threads: Int = 0

    @Option(help: "Arithmetic precision: fp32 (bf16 is not implemented yet).")
    var precision: String = "fp32"

    @Flag(help: "Print JSON.")
    var json = false

    struct Part: Codable { var seconds: Double; var gflop: Double?; var gflops: Double? }
    struct Report: Codable {
        var input: String
        var frames: Int
        var threads: Int
        var resized: [Int]
        var padded: [Int]
        var secondsPerFrame: Double
        var detections: Int
        var parts: [String: Part]
        var totalGFLOP: Double
        var referenceConvGFLOPS: Double
        var backboneOverReference: Double
        var thresholded: Thresholded?
        var peakRSSMegabytes: Double
    }
    struct Thresholded: Codable { var scoreThreshold: Double; var secondsPerFrame: Double; var detections: Int; var maskHeadSeconds: Double }

    func validate() throws {
        guard frames >= 1 else { throw ValidationError("--frames must be 1 or more") }
        guard threads >= 0 else { throw ValidationError("--threads must be 0 or more") }
        guard precision == "fp32" else {
            throw ValidationError("--precision \(precision) is not available: only fp32 is implemented (bf16 is future work)")
        }
    }

    func run() throws {
        applyThreadCount(threads)
        let net = try ModelLoader.load(weights: weights, seeded: weights == nil ? model : nil)
        let decoder = try VideoDecoder(path: input, selection: FrameSelection(start: start, count: frames + 1))
        var images: [RGBImage] = []
        while let f = try decoder.nextFrame() { images.append(f.image) }
        guard images.count == frames + 1 else {
            throw VPSError.invalidArgument("\(input) has fewer than \(start + frames + 1) frames")
        }
        let refRate = ReferenceConv.measure()
        _ = net.forward(images[0], scoreThreshold: 0)  // warm-up: primitives and weight reorders
        var runs: [ForwardResult] = []
        for img in images.dropFirst() { runs.append(net.forward(img, scoreThreshold: 0)) }
        let n = Double(runs.count)
        func mean(_ k: KeyPath<ModelTimings, Double>) -> Double { runs.map { $0.timings[keyPath: k] }.reduce(0, +) / n }
        let flops = net.flops(runs[0])
        var parts: [String: Part] = [:]
        let table: [(String, KeyPath<ModelTimings, Double>)] = [
            ("transform", \.transform), ("backbone", \.backbone), ("rpn", \.rpn),
            ("boxHead", \.boxHead), ("maskHead", \.maskHead), ("trackHead", \.trackHead),
            ("semanticHead", \.semanticHead), ("postprocess", \.postprocess)]
        for (name, kp) in table {
            let s = mean(kp)
            let g = flops[name].map { $0 / 1e9 }
            parts[name] = Part(seconds: s, gflop: g, gflops: g.map { $0 / s })
        }
        let spf = mean(\.total)
        var thresholded: Thresholded?
        if let t = scoreThreshold {
            let r = images.dropFirst().map { net.forward($0, scoreThreshold: Float(t)) }
            thresholded = Thresholded(scoreThreshold: t, secondsPerFrame: r.map { $0.timings.total }.reduce(0, +) / n,
                                      detections: r.map { $0.detections.count }.reduce(0, +) / r.count,
                                      maskHeadSeconds: r.map { $0.timings.maskHead }.reduce(0, +) / n)
        }
        let report = Report(
            input: input, frames: runs.count, threads: threads,
            resized: [runs[0].resizedSize.h, runs[0].resizedSize.w], padded: [runs[0].paddedSize.h, runs[0].paddedSize.w],
            secondsPerFrame: spf, detections: runs[0].detections.count, parts: parts,
            totalGFLOP: flops.values.reduce(0, +) / 1e9, referenceConvGFLOPS: refRate,
            backboneOverReference: (parts["backbone"]?.gflops ?? 0) / refRate, thresholded: thresholded,
            peakRSSMegabytes: Double(PeakMemory.residentKilobytes) / 1024)
        if json {
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try e.encode(report), as: UTF8.self))
            return
        }
        print(String(format: "Mask R-CNN on %@: %d frames, resized %dx%d (padded %dx%d), %d detections",
                     input, runs.count, report.resized[0], report.resized[1], report.padded[0], report.padded[1], report.detections))
        print(String(format: "seconds per frame: %.3f  (%.1f GFLOP)", spf, report.totalGFLOP))
        for (name, _) in table {
            let p = parts[name]!
            if let g = p.gflop, let r = p.gflops {
                print(String(format: "  %-12@ %7.3f s  %7.1f GFLOP  %6.1f GFLOP/s", name as NSString, p.seconds, g, r))
            } else {
                print(String(format: "  %-12@ %7.3f s", name as NSString, p.seconds))
            }
        }
        print(String(format: "oneDNN 3x3 conv reference (256→256, 1×256×144×192): %.1f GFLOP/s; backbone+FPN at %.0f%% of it",
                     refRate, 100 * report.backboneOverReference))
        if let t = thresholded {
            print(String(format: "with --score-threshold %.2f: %.3f s per frame, %d detections, mask head %.3f s",
                         t.scoreThreshold, t.secondsPerFrame, t.detections, t.maskHeadSeconds))
        }
        print(String(format: "peak RSS: %.0f MB", report.peakRSSMegabytes))
    }
}

/// Builds a model from a checkpoint or a seeded description.
enum ModelLoader {
    static func load(weights: String?, seeded: String?) throws -> MaskRCNN {
        if let weights { return try MaskRCNN.load(path: weights) }
        do {
            let m = try SeededModel.load(path: seeded!)
            return try MaskRCNN(config: m.config, weights: m.stateDict())
        } catch let e as VPSError {
            throw e
        } catch let e as CheckpointError {
            throw VPSError.unreadableInput(path: seeded!, reason: e.reason)
        } catch {
            throw VPSError.unreadableInput(path: seeded!, reason: "\(error)")
        }
    }
}

/// The reference rate: a 3×3, 256→256 convolution on 1×256×144×192 (32.6 GFLOP), best of 3.
enum ReferenceConv {
    static func measure() -> Double {
        let (c, h, w) = (256, 144, 192)
        let weight = (0..<(c * c * 9)).map { Float(($0 * 7919) % 1000) / 1e5 - 0.005 }
        let conv = Conv2d(inChannels: c, outChannels: c, kernel: 3, padding: 1, weight: weight, bias: [Float](repeating: 0, count: c))
        let x = Tensor(shape: [1, c, h, w], layout: .blocked8)
        _ = conv(x)
        var best = Double.infinity
        for _ in 0..<3 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = conv(x)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        return 2.0 * Double(c * 9 * c * h * w) / best / 1e9
    }
}
