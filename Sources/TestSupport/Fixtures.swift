import Foundation

/// Locates files of the repository from test code (fixtures live beside the tests, under test_dir/).
public enum RepoPaths {
    /// The package root, found from this source file's path (Sources/TestSupport/Fixtures.swift).
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }
}
