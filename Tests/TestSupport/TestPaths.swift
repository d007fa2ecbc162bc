import Foundation

/// Where the committed test inputs live: the package root, its
/// `Tests/Fixtures` folder and its `Samples` folder.
public enum TestPaths {
    /// The package root (the folder holding Package.swift).
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures/<relative>`, e.g. `fixture("parity/r18_fpn.json")`.
    public static func fixture(_ relative: String) -> String {
        root.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relative).path
    }

    /// A path under the package root, e.g. `repository("Samples/synth")`.
    public static func repository(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }
}
