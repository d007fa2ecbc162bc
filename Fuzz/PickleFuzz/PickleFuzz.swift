import Foundation
#if !FUZZING
import VPSCheckpoint
#endif

// A fuzz target for the restricted unpickler behind Detectron2 `.pkl` and
// torch `.pth` files. Every input must either load or throw a
// `CheckpointError` with a one-line message; a crash, a hang, a memory blow-up
// or another error type is a finding.
//
// libFuzzer build: the reader's sources and this file compiled as one
// module (SwiftPM's executable main renaming gets in libFuzzer's way):
//
//   swiftc -O -sanitize=fuzzer,address -parse-as-library -D FUZZING -module-name PickleFuzz \
//       Sources/VPSCheckpoint/*.swift Fuzz/PickleFuzz/PickleFuzz.swift -o .build/pickle-fuzzer
//   .build/pickle-fuzzer -max_total_time=300 -rss_limit_mb=2048 -timeout=10 \
//       /tmp/pickle-corpus Tests/Fixtures/detectron2/pickles
//
// A plain build replays files and directories given as arguments (a crash
// found by the fuzzer, or the whole corpus) through the same checks.

/// Runs one input through both readers.
func exercise(_ bytes: [UInt8]) {
    for decode in [{ _ = try Detectron2Pickle.decode($0) }, { _ = try TorchCheckpoint.decode($0) }] as [([UInt8]) throws -> Void] {
        do {
            try decode(bytes)
        } catch let error as CheckpointError {
            precondition(!"\(error)".contains("\n"), "a message of several lines: \(error)")
        } catch {
            preconditionFailure("not a CheckpointError: \(error)")
        }
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    exercise(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#else
/// Replays the files and directories given as arguments.
@main
enum Replay {
    static func main() throws {
        var count = 0
        for arg in CommandLine.arguments.dropFirst() {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: arg, isDirectory: &isDir) else {
                FileHandle.standardError.write(Data("vps-fuzz-pickle: no such file: \(arg)\n".utf8))
                exit(1)
            }
            let files = isDir.boolValue ? try FileManager.default.contentsOfDirectory(atPath: arg).sorted().map { "\(arg)/\($0)" } : [arg]
            for f in files {
                guard let d = FileManager.default.contents(atPath: f) else { continue }
                exercise([UInt8](d))
                count += 1
            }
        }
        print("vps-fuzz-pickle: \(count) inputs, each loaded or refused with a one-line CheckpointError")
    }
}
#endif
