import Foundation
import TestSupport
import VPSCheckpoint
import XCTest

/// The Detectron2 `.pkl` reader on fixtures from scripts/make_detectron2_pickle_fixtures.py.
final class Detectron2PickleTests: XCTestCase {
    static let fixtures = TestPaths.root.appendingPathComponent("Tests/Fixtures/detectron2/pickles")
    static func path(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    struct Expected: Decodable {
        struct Tensor: Decodable { var shape: [Int]; var dtype: String; var values: [Double] }
        var author: String
        var tensors: [String: Tensor]
    }

    func testModelZooLayoutAtEveryProtocolAndNumpyName() throws {
        let exp = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("expected.json")))
        let dtypes: [String: DType] = ["f4": .f32, "f8": .f64, "i8": .i64]
        for file in ["zoo_np2_p2.pkl", "zoo_np2_p3.pkl", "zoo_np2_p4.pkl", "zoo_np1_p2.pkl", "zoo_np1_p4.pkl", "zoo_py2.pkl"] {
            let dict = try Detectron2Pickle.read(path: Self.path(file))
            XCTAssertEqual(Set(dict.names), Set(exp.tensors.keys), file)
            XCTAssertEqual(dict.metadata[Detectron2Pickle.authorKey], exp.author, file)
            for (name, e) in exp.tensors {
                let t = try XCTUnwrap(dict.tensors[name], "\(file): \(name)")
                XCTAssertEqual(t.shape, e.shape, "\(file): \(name)")
                XCTAssertEqual(t.dtype, dtypes[e.dtype], "\(file): \(name)")
                XCTAssertEqual(t.values, e.values.map { Float($0) }, "\(file): \(name)")
            }
        }
    }

    func testRefusedFilesNameWhatTheyHold() {
        let cases: [(String, String)] = [
            ("hostile_system.pkl", "posix.system"),
            ("big_endian.pkl", "little-endian"),
            ("float16.pkl", "'f2'"),
            ("object_array.pkl", "'O8'"),
            ("protocol5.pkl", "protocol 5"),
            ("protocol0.pkl", "0x80"),
            ("caffe2_blobs.pkl", "Caffe2"),
            ("no_model.pkl", "no 'model' entry"),
            ("deep.pkl", "nest more than"),
        ]
        for (file, words) in cases {
            XCTAssertThrowsError(try Detectron2Pickle.read(path: Self.path(file)), file) { error in
                let text = "\(error)"
                XCTAssertTrue(error is CheckpointError, "\(file): \(error)")
                XCTAssertTrue(text.contains(words), "\(file): \(text)")
                XCTAssertFalse(text.contains("\n"), "\(file): \(text)")
            }
        }
    }

    func testTruncationsAndCorruptionsGiveOneLineErrors() throws {
        for file in ["zoo_np2_p2.pkl", "zoo_np2_p4.pkl", "zoo_py2.pkl"] {
            let bytes = [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent(file)))
            for cut in 0..<bytes.count {
                XCTAssertThrowsError(try Detectron2Pickle.decode(Array(bytes.prefix(cut))), "\(file) cut at \(cut)")
            }
            // Seeded single-byte and four-byte corruptions: each loads or gives
            // a one-line checkpoint error; none crashes or hangs.
            for seed in UInt64(1)...400 {
                var rng = TestRNG(state: seed)
                var b = bytes
                let offset = rng.below(b.count)
                let width = seed % 2 == 0 ? 1 : min(4, b.count - offset)
                for i in 0..<width { b[offset + i] = UInt8(truncatingIfNeeded: rng.nextWord() >> 40) }
                do {
                    _ = try Detectron2Pickle.decode(b)
                } catch let error as CheckpointError {
                    XCTAssertFalse("\(error)".contains("\n"), "\(file) seed \(seed): \(error)")
                } catch {
                    XCTFail("\(file) seed \(seed): not a checkpoint error: \(error)")
                }
            }
        }
    }

    func testHandMadeHostileInputs() {
        // Lengths far beyond the input, for every sized opcode.
        let huge: [[UInt8]] = [
            [0x80, 0x02, 0x42, 0xff, 0xff, 0xff, 0x7f],                          // BINBYTES
            [0x80, 0x04, 0x8e] + [UInt8](repeating: 0xff, count: 8),             // BINBYTES8
            [0x80, 0x04, 0x8d] + [UInt8](repeating: 0xff, count: 8),             // BINUNICODE8
            [0x80, 0x02, 0x54, 0x00, 0x00, 0x00, 0x80],                          // BINSTRING, negative as int32
            [0x80, 0x02, 0x2e],                                                  // STOP on an empty stack
            [0x80, 0x02, 0x28, 0x2e],                                            // STOP on a mark
            [0x80, 0x02, 0x68, 0x05],                                            // BINGET of nothing
            [0x80, 0x02, 0x61],                                                  // APPEND on nothing
            [0x80, 0x02, 0x4e, 0x4e, 0x52],                                      // REDUCE of None
            [0x80, 0x02, 0x63] + Array("numpy\n".utf8),                          // GLOBAL without its name line
        ]
        for b in huge {
            XCTAssertThrowsError(try Detectron2Pickle.decode(b), "\(b)") { XCTAssertTrue($0 is CheckpointError, "\($0)") }
        }
        // A memo loop: a list appended to itself through BINGET is just a
        // value copy here, so it cannot build a cycle.
        let loop: [UInt8] = [0x80, 0x02, 0x5d, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2e]
        XCTAssertThrowsError(try Detectron2Pickle.decode(loop)) { XCTAssertTrue("\($0)".contains("no dict"), "\($0)") }
        // A big list in the memo, appended to again and again: each append
        // copies it, which the work budget stops early (quadratic otherwise).
        var grow: [UInt8] = [0x80, 0x02, 0x5d, 0x28] + [UInt8](repeating: 0x4e, count: 100_000) + [0x65, 0x71, 0x00]
        for _ in 0..<2_000 { grow += [0x68, 0x00, 0x4e, 0x61] }
        grow.append(0x2e)
        XCTAssertThrowsError(try Detectron2Pickle.decode(grow)) { XCTAssertTrue("\($0)".contains("grow far more"), "\($0)") }
                // An array whose shape claims more elements than its bytes hold.
        var p = [UInt8]([0x80, 0x02, 0x7d, 0x55, 0x05] + l1("model") + [0x7d, 0x55, 0x01, 0x77])
        p += l1("cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\u{00}\u{85}U\u{01}b\u{87}R")
        p += [0x28, 0x4b, 0x01, 0x4a, 0xff, 0xff, 0xff, 0x7f, 0x4a, 0xff, 0xff, 0xff, 0x7f, 0x86]
        p += l1("cnumpy\ndtype\nU\u{02}f4K\u{00}K\u{01}\u{87}R(K\u{03}U\u{01}<NNNK\u{00}K\u{00}K\u{00}tb\u{89}U\u{04}abcdtbss.")
        XCTAssertThrowsError(try Detectron2Pickle.decode(p)) { XCTAssertTrue("\($0)".contains("holds 4 bytes"), "\($0)") }
    }

    /// Each character of `s` as one byte (latin-1).
    func l1(_ s: String) -> [UInt8] { s.unicodeScalars.map { UInt8($0.value) } }

    func testMatchesAndIgnoredNames() {
        XCTAssertTrue(Detectron2Pickle.matches(header: [0x80, 0x02, 0x7d]))
        XCTAssertFalse(Detectron2Pickle.matches(header: [0x50, 0x4b, 0x03, 0x04]))
        XCTAssertFalse(Detectron2Pickle.matches(header: [0x80, 0x05]))
        XCTAssertTrue(Detectron2Pickle.isIgnored("proposal_generator.anchor_generator.cell_anchors.3"))
        XCTAssertTrue(Detectron2Pickle.isIgnored("pixel_std"))
        XCTAssertFalse(Detectron2Pickle.isIgnored("backbone.bottom_up.stem.conv1.weight"))
    }
}
