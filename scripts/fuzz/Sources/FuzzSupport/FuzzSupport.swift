import CLibFuzzer
import Foundation
import VPSCore
import VPSFormats

/// What every fuzz target shares: a scratch directory for readers that take
/// a path, and the check that a rejected input fails with one short line.
public enum Fuzz {
    nonisolated(unsafe) private static var body: ([UInt8]) -> Void = { _ in }

    /// Runs libFuzzer with the process's arguments, calling `test` on every
    /// input, and exits with libFuzzer's status.
    public static func main(_ test: @escaping ([UInt8]) -> Void) -> Never {
        body = test
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            Fuzz.body(size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : [])
            return 0
        }
        exit(status)
    }

    /// A directory of this process's own (in memory when /dev/shm exists), removed at exit.
    public static let scratch: String = {
        let base = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let dir = base + "/vps-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Fuzz.scratch) }
        return dir
    }()

    /// Writes `bytes` to `scratch/name` and returns that path.
    public static func file(_ name: String, _ bytes: [UInt8]) -> String {
        let path = scratch + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0, bytes.isEmpty || bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            fatalError("cannot write \(path)")
        }
        close(fd)
        return path
    }

    /// Runs `body`; a thrown error is a clean rejection as long as its message
    /// is one line of reasonable length (what the command prints before exit 1).
    public static func rejectsCleanly(_ body: () throws -> Void) {
        do { try body() } catch {
            let line = "\(error)"
            if line.contains("\n") || line.count > 4096 {
                fatalError("error message is not one short line: \(line.prefix(300))")
            }
        }
    }

    /// Paints up to `frames` frames of instance records, as `vps eval` and
    /// `vps convert` do, when their masks are small enough for the fuzzer's
    /// memory limit (a file may declare up to `RLE.maxPixels` per frame).
    public static func paint(_ records: [InstanceRecord], frames: Int = 3) throws {
        let f = try InstanceFrames(records)
        guard f.width * f.height <= 1 << 20 else { return }
        for t in Set(records.map(\.frame)).sorted().prefix(frames) {
            let frame = try f.frame(t)
            _ = frame.rles()
        }
    }
}
