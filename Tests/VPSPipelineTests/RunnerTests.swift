import Foundation
import VPSCore
import VPSPipeline
import XCTest

/// A source of `count` tiny frames; counts how many it has produced.
final class CountingSource: FrameSource {
    let name = "counting"
    let count: Int
    let failAt: Int?
    private let lock = NSLock()
    private var produced = 0
    init(count: Int, failAt: Int? = nil) { self.count = count; self.failAt = failAt }
    var expectedFrameCount: Int? { count }
    var warnings: [String] { [] }
    var producedSoFar: Int { lock.lock(); defer { lock.unlock() }; return produced }

    func next() throws -> VideoFrame? {
        lock.lock(); defer { lock.unlock() }
        guard produced < count else { return nil }
        if produced == failAt { throw VPSError.unreadableInput(path: "test", reason: "source failed") }
        produced += 1
        return VideoFrame(index: produced - 1, timestamp: Double(produced - 1) / 10, image: RGBImage(width: 2, height: 2))
    }
}

enum TagKey: PacketKey {
    typealias Value = [String]
    static let name = "tags"
}

/// Appends its name to the packet's tags, optionally sleeping, failing, or
/// waiting at each frame until `gate` (given the frame index) holds.
final class TagStage: Stage {
    let name: String
    let requires: [String]
    let provides = [TagKey.name]
    let delay: TimeInterval
    let failAt: Int?
    let gate: ((Int) -> Bool)?
    var finished = 0
    var aborted = 0
    var seen: [Int] = []
    /// Seconds spent inside `process`, as the stage itself measures them.
    var ownSeconds = 0.0

    init(_ name: String, requires: [String] = [FrameKey.name], delay: TimeInterval = 0, failAt: Int? = nil,
         gate: ((Int) -> Bool)? = nil) {
        self.name = name
        self.requires = requires
        self.delay = delay
        self.failAt = failAt
        self.gate = gate
    }

    func process(_ packet: inout Packet) throws {
        let t0 = DispatchTime.now().uptimeNanoseconds
        defer { ownSeconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 }
        if packet.frame.index == failAt { throw VPSError.internalFailure("\(name) failed at \(packet.frame.index)") }
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        if let gate {
            // A readiness wait, not a timing: the condition becomes true under
            // any scheduling; the limit only keeps a broken runner from hanging.
            let limit = Date().addingTimeInterval(120)
            while !gate(packet.frame.index) {
                guard Date() < limit else { throw VPSError.internalFailure("\(name): gate at frame \(packet.frame.index) never opened") }
                usleep(200)
            }
        }
        seen.append(packet.frame.index)
        packet[TagKey.self] = (packet[TagKey.self] ?? []) + [name]
    }
    func finish() throws { finished += 1 }
    func abort() { aborted += 1 }
}

final class RunnerTests: XCTestCase {
    func testFramesLeaveInOrderThroughEveryStage() throws {
        let stages = [TagStage("a"), TagStage("b", delay: 0.001), TagStage("c")]
        let pipeline = try Pipeline(source: CountingSource(count: 50), stages: stages)
        var order: [Int] = []
        let report = try ConcurrentRunner.run(pipeline, options: RunOptions(queueCapacity: 2) { packet, done in
            order.append(packet.frame.index)
            XCTAssertEqual(packet[TagKey.self], ["a", "b", "c"])
            XCTAssertEqual(done, order.count)
        })
        XCTAssertEqual(order, Array(0..<50))
        XCTAssertEqual(report.frames, 50)
        XCTAssertFalse(report.cancelled)
        XCTAssertEqual(report.stages.map(\.name), ["counting", "a", "b", "c"])
        XCTAssertEqual(report.stages.map(\.frames), [50, 50, 50, 50])
        // Busy time is the time spent in each stage's `process`: at least what
        // the stage measured inside it, and no more than the run's wall time.
        for (stage, stats) in zip(stages, report.stages.dropFirst()) {
            XCTAssertGreaterThanOrEqual(stats.busySeconds, stage.ownSeconds, stage.name)
            XCTAssertLessThanOrEqual(stats.busySeconds, report.wallSeconds, stage.name)
        }
        XCTAssertEqual(stages.map(\.finished), [1, 1, 1])
        XCTAssertEqual(stages.map(\.aborted), [0, 0, 0])
    }

    /// Backpressure, made deterministic: the last stage holds each frame until
    /// the source has produced every frame that fits upstream of it, so its
    /// input queue is full whenever it takes the next frame.
    func testBackpressureBoundsFramesInFlight() throws {
        let count = 200, capacity = 3
        let source = CountingSource(count: count)
        // While "slow" holds frame i, upstream holds at most: its full input
        // queue, "fast" blocked on a push with one frame, the first queue full,
        // and the source blocked with one more: i + 1 + capacity + 1 + capacity + 1.
        let upstream = 2 * capacity + 3
        let stages = [TagStage("fast"),
                      TagStage("slow", gate: { i in source.producedSoFar >= min(count, i + upstream) })]
        let pipeline = try Pipeline(source: source, stages: stages)
        var maxInFlight = 0
        let report = try ConcurrentRunner.run(pipeline, options: RunOptions(queueCapacity: capacity) { _, done in
            maxInFlight = max(maxInFlight, source.producedSoFar - done)
        })
        XCTAssertEqual(report.frames, count)
        // Each of the 3 queues holds at most `capacity`; each of 3 threads holds at most one more.
        let bound = (stages.count + 1) * capacity + stages.count + 1
        XCTAssertLessThanOrEqual(maxInFlight, bound)
        XCTAssertGreaterThanOrEqual(maxInFlight, upstream - 1, "the gate let that many frames in")
        // The slow stage's input queue was full at each of its takes from frame 1
        // until the source ran dry (the first and the last `upstream` takes may
        // find it emptier, but never empty).
        let fullTakes = count - upstream
        let lowest = Double(fullTakes * capacity + (count - fullTakes)) / Double(count)
        XCTAssertGreaterThanOrEqual(report.stages[2].meanQueue ?? 0, lowest)
        XCTAssertEqual(report.stages[2].maxQueue, capacity)
    }

    func testFirstErrorStopsEveryStageAndIsRethrown() {
        let stages = [TagStage("a"), TagStage("b", failAt: 7), TagStage("c", delay: 0.001)]
        let pipeline = try! Pipeline(source: CountingSource(count: 1000), stages: stages)
        XCTAssertThrowsError(try ConcurrentRunner.run(pipeline)) {
            XCTAssertEqual($0 as? VPSError, .internalFailure("b failed at 7"))
        }
        XCTAssertEqual(stages.map(\.aborted), [1, 1, 1])
        XCTAssertEqual(stages.map(\.finished), [0, 0, 0])
        XCTAssertLessThan(stages[0].seen.count, 1000)
        XCTAssertEqual(stages[2].seen, Array(0..<stages[2].seen.count), "frames before the failure stay in order")
    }

    func testSourceErrorPropagates() {
        let stages = [TagStage("a")]
        let pipeline = try! Pipeline(source: CountingSource(count: 100, failAt: 3), stages: stages)
        XCTAssertThrowsError(try ConcurrentRunner.run(pipeline)) {
            XCTAssertEqual($0 as? VPSError, .unreadableInput(path: "test", reason: "source failed"))
        }
        XCTAssertEqual(stages[0].aborted, 1)
    }

    func testCancellationDrainsAndFinishes() throws {
        let token = CancellationToken()
        let stages = [TagStage("a"), TagStage("b", delay: 0.001)]
        let pipeline = try Pipeline(source: CountingSource(count: 10_000), stages: stages)
        var last = -1
        let report = try ConcurrentRunner.run(pipeline, options: RunOptions(queueCapacity: 2, cancellation: token) { p, done in
            XCTAssertEqual(p.frame.index, last + 1)
            last = p.frame.index
            if done == 5 { token.cancel() }
        })
        XCTAssertTrue(report.cancelled)
        XCTAssertGreaterThanOrEqual(report.frames, 5)
        // After the cancel at the 5th frame only the frames in flight finish:
        // at most 3 queues of 2 and one frame in each of the source and 2 stages.
        XCTAssertLessThanOrEqual(report.frames, 5 + 3 * 2 + 3)
        XCTAssertEqual(report.frames, last + 1)
        XCTAssertEqual(stages.map(\.finished), [1, 1])
        XCTAssertEqual(stages.map(\.aborted), [0, 0])
    }

    func testSynchronousRunnerMatchesConcurrentSemantics() throws {
        let stages = [TagStage("a"), TagStage("b")]
        var order: [Int] = []
        let report = try SynchronousRunner.run(try Pipeline(source: CountingSource(count: 20), stages: stages),
                                               options: RunOptions { p, _ in order.append(p.frame.index) })
        XCTAssertEqual(order, Array(0..<20))
        XCTAssertEqual(report.frames, 20)
        XCTAssertEqual(stages.map(\.finished), [1, 1])
        let failing = [TagStage("a", failAt: 4)]
        XCTAssertThrowsError(try SynchronousRunner.run(try Pipeline(source: CountingSource(count: 20), stages: failing)))
        XCTAssertEqual(failing[0].aborted, 1)
    }

    func testUnmetRequirementIsRejectedBeforeAnyFrame() {
        let source = CountingSource(count: 5)
        XCTAssertThrowsError(try Pipeline(source: source, stages: [TagStage("needs-motion", requires: ["motion"])])) {
            guard case .invalidPipeline(let m) = $0 as? VPSError else { return XCTFail("\($0)") }
            XCTAssertTrue(m.contains("'needs-motion' needs 'motion'"), m)
        }
        XCTAssertEqual(source.producedSoFar, 0)
    }
}
