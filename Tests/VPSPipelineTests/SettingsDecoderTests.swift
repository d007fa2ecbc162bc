import Foundation
import VPSCore
import VPSPipeline
import XCTest

/// A settings type of every kind a stage uses.
private struct Probe: SettingsDecodable, Equatable {
    enum Shape: String, Decodable { case round, square }
    var label = "t"
    var count = 3
    var ratio = 0.5
    var narrow: Float = 1
    var small: UInt8 = 7
    var on = false
    var limit: Double?
    var shape = Shape.round

    init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case label, count, ratio, narrow, small, on, limit, shape
    }
    static let settingsOwner = "probe"

    init(from decoder: Decoder) throws {
        self = try Self.decoded(from: decoder) { c, s in
            try c.decode(.label, into: &s.label)
            try c.decode(.count, into: &s.count)
            try c.decode(.ratio, into: &s.ratio)
            try c.decode(.narrow, into: &s.narrow)
            try c.decode(.small, into: &s.small)
            try c.decode(.on, into: &s.on)
            try c.decode(.limit, into: &s.limit)
            try c.decode(.shape, into: &s.shape)
        }
    }

    func validate() throws {
        guard count >= 0 else { throw VPSError.invalidPipeline("probe count must be ≥ 0, got \(count)") }
    }
}

final class SettingsDecoderTests: XCTestCase {
    private func decode(_ values: [String: SettingValue], excluding: Set<String> = []) throws -> Probe {
        try StageSettings(stage: "probe", values: values).decode(Probe.self, excluding: excluding)
    }

    private func message(_ values: [String: SettingValue]) -> String {
        do { _ = try decode(values); return "decoded" } catch { return "\(error)" }
    }

    func testAbsentKeysKeepTheDefaults() throws {
        XCTAssertEqual(try decode([:]), Probe())
        var expected = Probe()
        expected.count = 9
        expected.limit = 2
        expected.ratio = 1  // a whole number is a number too
        expected.narrow = 0.25
        expected.small = 200
        expected.shape = .square
        XCTAssertEqual(try decode(["count": .int(9), "limit": .int(2), "ratio": .int(1), "narrow": .double(0.25),
                                   "small": .int(200), "shape": .string("square")]), expected)
        XCTAssertEqual(try decode(["count": .int(9), "ratio": .double(2)], excluding: ["count"]).count, 3)
        XCTAssertEqual(Probe.settingKeys, ["label", "count", "ratio", "narrow", "small", "on", "limit", "shape"])
    }

    /// Each kind of value is checked the way `StageSettings`' single reads check it.
    func testWrongKindsNameTheKeyAndTheKind() {
        XCTAssertEqual(message(["label": .int(3)]), "invalid pipeline: setting 'label' of stage 'probe' must be a string, got '3'")
        XCTAssertTrue(message(["count": .double(2.0)]).contains("setting 'count' of stage 'probe' must be a whole number, got '2.0'"))
        XCTAssertTrue(message(["count": .bool(true)]).contains("'count' of stage 'probe' must be a whole number"))
        XCTAssertTrue(message(["ratio": .string("half")]).contains("setting 'ratio' of stage 'probe' must be a number, got 'half'"))
        XCTAssertTrue(message(["limit": .bool(false)]).contains("setting 'limit' of stage 'probe' must be a number"))
        XCTAssertTrue(message(["on": .int(1)]).contains("setting 'on' of stage 'probe' must be true or false, got '1'"))
        XCTAssertTrue(message(["small": .int(300)]).contains("setting 'small' of stage 'probe' must be a whole number within 0…255, got '300'"))
        XCTAssertTrue(message(["shape": .int(1)]).contains("setting 'shape' of stage 'probe' must be a string"))
        let readers = StageSettings(stage: "probe", values: ["label": .int(3)])
        XCTAssertThrowsError(try readers.string("label", default: "")) {
            XCTAssertEqual("\($0)", message(["label": .int(3)]))
        }
    }

    func testUnknownKeysAndRangesAreErrors() {
        XCTAssertEqual(message(["colour": .string("red")]),
                       "invalid pipeline: probe: unknown setting 'colour' (valid: label, count, ratio, narrow, small, on, limit, shape)")
        XCTAssertEqual(message(["count": .int(-1)]), "invalid pipeline: probe count must be ≥ 0, got -1")
    }
}
