import Foundation
import TestSupport
import VPSCheckpoint
import XCTest

final class CheckpointTests: XCTestCase {
    static let fixtures = TestPaths.root.appendingPathComponent("Tests/Fixtures/checkpoints")

    func testTorchSaveStateDictLoads() throws {
        let dict = try TorchCheckpoint.read(path: Self.fixtures.appendingPathComponent("small.pth").path)
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixtures.appendingPathComponent("small.json"))) as! [String: [String: Any]]
        XCTAssertEqual(Set(dict.names), Set(expected.keys))
        let dtypes = ["float32": DType.f32, "float16": .f16, "int64": .i64]
        for (name, e) in expected {
            let t = try XCTUnwrap(dict.tensors[name])
            XCTAssertEqual(t.shape, e["shape"] as! [Int], name)
            XCTAssertEqual(t.dtype, dtypes[e["dtype"] as! String], name)
            XCTAssertEqual(t.values, (e["values"] as! [Double]).map { Float($0) }, name)
        }
    }

    func testHostilePickleIsRejectedByName() {
        XCTAssertThrowsError(try TorchCheckpoint.read(path: Self.fixtures.appendingPathComponent("hostile.pth").path)) { error in
            guard case CheckpointError.rejectedPickle(_, let reason) = error else { return XCTFail("wrong error \(error)") }
            XCTAssertTrue(reason.contains("system"), reason)
        }
    }

    func testTruncatedAndGarbageFilesGiveErrors() throws {
        let bytes = [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent("small.pth")))
        for cut in [10, bytes.count / 2, bytes.count - 30] {
            XCTAssertThrowsError(try TorchCheckpoint.decode(Array(bytes.prefix(cut)))) { XCTAssertTrue($0 is CheckpointError, "\($0)") }
        }
        // Single-byte corruptions anywhere in the file (zip headers, pickle,
        // tensor bytes): each either loads or throws a checkpoint error whose
        // message is one line a user can read; none crashes. Seeded, so a
        // failure names a case that can be replayed.
        for seed in UInt64(1)...200 {
            var rng = TestRNG(state: seed)
            var b = bytes
            let offset = rng.below(b.count), value = UInt8(truncatingIfNeeded: rng.nextWord() >> 40)
            b[offset] = value
            do {
                _ = try TorchCheckpoint.decode(b)
            } catch let error as CheckpointError {
                let text = "\(error)"
                XCTAssertFalse(text.isEmpty, "seed \(seed): byte \(offset) = \(value): empty message")
                XCTAssertFalse(text.contains("\n"), "seed \(seed): byte \(offset) = \(value): message of several lines: \(text)")
            } catch {
                XCTFail("seed \(seed): byte \(offset) = \(value): not a checkpoint error: \(error)")
            }
        }
        // Found by fuzzing the pickle readers: a tensor name holding newlines, echoed in the message.
        XCTAssertThrowsError(try TorchCheckpoint.read(path: Self.fixtures.appendingPathComponent("fuzz_control_chars_in_name.pth").path)) {
            XCTAssertFalse("\($0)".contains("\n"), "\($0)")
            XCTAssertFalse(($0 as? CheckpointError)?.reason.contains("\n") ?? true, "\($0)")
        }
        XCTAssertThrowsError(try TorchCheckpoint.decode([0x80, 0x02, 0x8a, 0x0a])) // legacy format
        XCTAssertThrowsError(try TorchCheckpoint.decode(Array("hello world".utf8)))
        XCTAssertThrowsError(try TorchCheckpoint.read(path: "/nonexistent.pth"))
    }

    func testSafetensorsRoundTripWithMetadata() throws {
        var d = StateDict()
        d.tensors["a.weight"] = TensorEntry(shape: [2, 3], values: [1, 2, 3, 4, 5, -6.5])
        d.tensors["b"] = TensorEntry(shape: [], values: [42])
        d.metadata["vps.config"] = "{\"x\":1}"
        let data = try Safetensors.encode(d)
        let back = try Safetensors.decode(data)
        XCTAssertEqual(back.tensors, d.tensors)
        XCTAssertEqual(back.metadata, d.metadata)
    }

    func testSafetensorsRejectsDamage() throws {
        var d = StateDict()
        d.tensors["w"] = TensorEntry(shape: [4], values: [1, 2, 3, 4])
        let good = [UInt8](try Safetensors.encode(d))
        XCTAssertThrowsError(try Safetensors.decode(Data(good.dropLast(4)))) {
            XCTAssertTrue("\($0)".contains("w"), "error should name the tensor: \($0)")
        }
        var huge = good
        huge[7] = 0x7f
        XCTAssertThrowsError(try Safetensors.decode(Data(huge)))
        XCTAssertThrowsError(try Safetensors.decode(Data([1, 2, 3])))
        // Overlapping entries.
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        var bad = [UInt8]()
        var n = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { bad += $0 }
        bad += Array(header.utf8) + [UInt8](repeating: 0, count: 12)
        XCTAssertThrowsError(try Safetensors.decode(Data(bad))) { XCTAssertTrue("\($0)".contains("overlap"), "\($0)") }
        // Reading half floats and bfloat16.
        let h2 = #"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]}}"#
        var f = [UInt8]()
        var m = UInt64(h2.utf8.count).littleEndian
        withUnsafeBytes(of: &m) { f += $0 }
        f += Array(h2.utf8) + [0x00, 0x3e, 0x00, 0xc0, 0x40, 0x40] // 1.5, -2.0, bf16 3.0
        let t = try Safetensors.decode(Data(f))
        XCTAssertEqual(t.tensors["h"]?.values, [1.5, -2])
        XCTAssertEqual(t.tensors["b"]?.values, [3])
    }

    func testSeededGeneratorKnownValues() {
        XCTAssertEqual(SeededWeights.fnv1a64(""), 0xcbf2_9ce4_8422_2325)
        XCTAssertEqual(SeededWeights.fnv1a64("a"), 0xaf63_dc4c_8601_ec8c)
        // SplitMix64 from state 0 first gives 0xe220a8397b1dcdaf; seed ^ fnv("") = 0 needs seed = fnv("").
        let v = SeededWeights.values(seed: 0xcbf2_9ce4_8422_2325, name: "", count: 1, low: 0, high: 1)
        XCTAssertEqual(v[0], Float(Double(UInt64(0xe220_a839_7b1d_cdaf) >> 11) * 0x1p-53))
        let r = SeededWeights.values(seed: 7, name: "x", count: 1000, low: -2, high: 3)
        XCTAssertTrue(r.allSatisfy { $0 >= -2 && $0 <= 3 })
        XCTAssertEqual(Double(r.reduce(0, +)) / 1000, 0.5, accuracy: 0.2)
    }
}
