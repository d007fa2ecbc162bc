import Foundation
import VPSCore
import VPSPipeline
import XCTest

enum EvenKey: PacketKey {
    typealias Value = Int
    static let name = "even"
}

enum DoubledKey: PacketKey {
    typealias Value = Int
    static let name = "doubled"
}

/// Computes `EvenKey` on even frames only; odd frames are explicit gaps.
final class EveryOtherStage: Stage {
    let name = "every_other"
    let requires = [FrameKey.name]
    let provides = [EvenKey.name]
    func process(_ packet: inout Packet) throws {
        if packet.frame.index % 2 == 0 { packet[EvenKey.self] = packet.frame.index } else { packet.markGap(EvenKey.self) }
    }
}

/// Reads `EvenKey`; records which frames it processed and which it saw as gaps.
final class RecordingStage: Stage {
    let name: String
    let requires: [String]
    let provides: [String]
    var processed: [Int] = []
    var gaps: [Int: [String]] = [:]
    init(_ name: String, requires: [String], provides: [String]) {
        self.name = name
        self.requires = requires
        self.provides = provides
    }
    func process(_ packet: inout Packet) throws {
        processed.append(packet.frame.index)
        if provides.contains(DoubledKey.name) { packet[DoubledKey.self] = 2 * (try packet.require(EvenKey.self)) }
    }
    func processGap(_ packet: inout Packet, missing: [String]) throws { gaps[packet.frame.index] = missing }
}

/// A frame a stage did not compute travels as an explicit gap, handled by one
/// rule in both runners: downstream stages get `processGap` instead of
/// `process`, and what they provide becomes a gap too.
final class GapTests: XCTestCase {
    func check(_ run: (Pipeline) throws -> RunReport) throws {
        let middle = RecordingStage("double", requires: [EvenKey.name], provides: [DoubledKey.name])
        let sink = RecordingStage("sink", requires: [DoubledKey.name], provides: [])
        let pipeline = try Pipeline(source: CountingSource(count: 6), stages: [EveryOtherStage(), middle, sink])
        let report = try run(pipeline)
        XCTAssertEqual(report.frames, 6)
        XCTAssertEqual(middle.processed, [0, 2, 4])
        XCTAssertEqual(middle.gaps, [1: ["even"], 3: ["even"], 5: ["even"]])
        XCTAssertEqual(sink.processed, [0, 2, 4])
        XCTAssertEqual(sink.gaps, [1: ["doubled"], 3: ["doubled"], 5: ["doubled"]], "the gap travels on")
    }

    func testGapsTravelTheConcurrentRunner() throws { try check { try ConcurrentRunner.run($0) } }
    func testGapsTravelTheSynchronousRunner() throws { try check { try SynchronousRunner.run($0) } }

    func testSettingAValueClearsAGapAndAMissingValueIsAFailure() throws {
        var p = Packet(frame: VideoFrame(index: 7, timestamp: 0, image: RGBImage(width: 1, height: 1)))
        XCTAssertThrowsError(try p.require(EvenKey.self)) { XCTAssertEqual("\($0)", "internal error: frame 7 has no 'even'") }
        p.markGap(EvenKey.self)
        XCTAssertTrue(p.isGap(EvenKey.self))
        p[EvenKey.self] = 4
        XCTAssertFalse(p.isGap(EvenKey.self))
        XCTAssertEqual(try p.require(EvenKey.self), 4)
    }
}
