import Foundation

/// Inputs that crashed a reader or made it fail untidily, kept in
/// `Tests/Fixtures/fuzz/<target>/` (one folder per fuzz target of
/// `scripts/fuzz`): what the fuzzers found, and inputs written by hand for
/// what they cannot reach (nesting deeper than their input size allows,
/// numbers that overflow). Each must now fail with one short line.
public enum FuzzRegressions {
    /// The kept inputs of `target`, sorted by name.
    public static func inputs(_ target: String) -> [String] {
        let dir = TestPaths.fixture("fuzz/" + target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.sorted().map { dir + "/" + $0 }
    }

    /// Why `error`'s message is not what a command may print before exit 1
    /// (one line, at most 500 characters), or nil when it is.
    public static func problem(with error: Error) -> String? {
        let line = "\(error)"
        if line.contains(where: \.isNewline) { return "the message spans lines: \(line.prefix(200))" }
        if line.count > 500 { return "the message has \(line.count) characters" }
        return nil
    }
}
