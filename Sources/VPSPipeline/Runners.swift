import Dispatch
import Foundation
import VPSCore

/// Options shared by both runners.
public struct RunOptions {
    /// Packets each inter-stage queue holds at most (backpressure bound).
    public var queueCapacity: Int
    /// Set it (e.g. on SIGINT) to stop taking new frames and finish cleanly.
    public var cancellation: CancellationToken
    /// Called in frame order, on the caller's thread, for every packet that
    /// went through all stages, with the number done so far.
    public var onFrame: ((Packet, Int) -> Void)?

    public init(queueCapacity: Int = 4, cancellation: CancellationToken = .init(),
                onFrame: ((Packet, Int) -> Void)? = nil) {
        self.queueCapacity = queueCapacity
        self.cancellation = cancellation
        self.onFrame = onFrame
    }
}

/// The first error raised anywhere in a run; later ones are dropped.
private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var error: Error?
    private let onFirst: () -> Void
    init(onFirst: @escaping () -> Void) { self.onFirst = onFirst }

    var failed: Bool { lock.lock(); defer { lock.unlock() }; return error != nil }

    func record(_ e: Error) {
        lock.lock()
        let first = error == nil
        if first { error = e }
        lock.unlock()
        if first { onFirst() }
    }
}

/// Per-element counters; each is written by its element's thread only and read
/// after the run has joined.
private final class Counter: @unchecked Sendable {
    var busy = 0.0
    var count = 0
}

private func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Runs every element on its own Dispatch queue, with bounded queues between
/// them, so stages overlap and memory stays flat whatever the video's length.
///
/// Frames leave in order (each queue is FIFO and each stage is serial). The
/// first error in any element cancels every queue, `abort()` is called on every
/// stage, and the error is rethrown here. Cancellation stops the source; the
/// frames in flight drain and `finish()` runs, so outputs are complete and valid.
public enum ConcurrentRunner {
    public static func run(_ pipeline: Pipeline, options: RunOptions = .init()) throws -> RunReport {
        let n = pipeline.stages.count
        let queues = (0...n).map { _ in BoundedQueue<Packet>(capacity: options.queueCapacity) }
        let failure = FailureBox { queues.forEach { $0.cancel() } }
        let counters = (0...n).map { _ in Counter() }
        let group = DispatchGroup()
        let start = now()

        // The source.
        DispatchQueue(label: "vps.stage.\(pipeline.source.name)").async(group: group) {
            defer { queues[0].close() }
            do {
                while !options.cancellation.isCancelled && !failure.failed {
                    let t0 = now()
                    guard let frame = try pipeline.source.next() else { break }
                    counters[0].busy += now() - t0
                    counters[0].count += 1
                    guard queues[0].push(Packet(frame: frame)) else { break }
                }
            } catch {
                failure.record(error)
            }
        }
        // The stages.
        for (i, stage) in pipeline.stages.enumerated() {
            DispatchQueue(label: "vps.stage.\(stage.name)").async(group: group) {
                defer { queues[i + 1].close() }
                do {
                    while var packet = queues[i].pop() {
                        let t0 = now()
                        try stage.handle(&packet)
                        counters[i + 1].busy += now() - t0
                        counters[i + 1].count += 1
                        guard queues[i + 1].push(packet) else { return }
                    }
                    guard !failure.failed else { return }
                    let t0 = now()
                    try stage.finish()
                    counters[i + 1].busy += now() - t0
                } catch {
                    failure.record(error)
                }
            }
        }
        // The sink: the caller's thread.
        var done = 0
        while let packet = queues[n].pop() {
            done += 1
            options.onFrame?(packet, done)
        }
        group.wait()
        if let error = failure.error {
            pipeline.stages.forEach { $0.abort() }
            throw error
        }
        var stats = [StageStats(name: pipeline.source.name, frames: counters[0].count, busySeconds: counters[0].busy)]
        for (i, stage) in pipeline.stages.enumerated() {
            stats.append(StageStats(name: stage.name, frames: counters[i + 1].count, busySeconds: counters[i + 1].busy,
                                    meanQueue: queues[i].meanOccupancy, maxQueue: queues[i].occupancyMax,
                                    queueCapacity: options.queueCapacity))
        }
        return RunReport(frames: done, wallSeconds: now() - start, cancelled: options.cancellation.isCancelled,
                         warnings: pipeline.source.warnings, stages: stats)
    }
}

/// Runs the same pipeline on the caller's thread, one frame through all stages
/// at a time: deterministic, for tests and debugging. Same error, cancellation
/// and finish semantics as `ConcurrentRunner`.
public enum SynchronousRunner {
    public static func run(_ pipeline: Pipeline, options: RunOptions = .init()) throws -> RunReport {
        let n = pipeline.stages.count
        var busy = [Double](repeating: 0, count: n + 1)
        var counts = [Int](repeating: 0, count: n + 1)
        let start = now()
        var done = 0
        do {
            while !options.cancellation.isCancelled {
                var t0 = now()
                guard let frame = try pipeline.source.next() else { break }
                busy[0] += now() - t0
                counts[0] += 1
                var packet = Packet(frame: frame)
                for (i, stage) in pipeline.stages.enumerated() {
                    t0 = now()
                    try stage.handle(&packet)
                    busy[i + 1] += now() - t0
                    counts[i + 1] += 1
                }
                done += 1
                options.onFrame?(packet, done)
            }
            for (i, stage) in pipeline.stages.enumerated() {
                let t0 = now()
                try stage.finish()
                busy[i + 1] += now() - t0
            }
        } catch {
            pipeline.stages.forEach { $0.abort() }
            throw error
        }
        var stats = [StageStats(name: pipeline.source.name, frames: counts[0], busySeconds: busy[0])]
        for (i, stage) in pipeline.stages.enumerated() {
            stats.append(StageStats(name: stage.name, frames: counts[i + 1], busySeconds: busy[i + 1]))
        }
        return RunReport(frames: done, wallSeconds: now() - start, cancelled: options.cancellation.isCancelled,
                         warnings: pipeline.source.warnings, stages: stats)
    }
}
