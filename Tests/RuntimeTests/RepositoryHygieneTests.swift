import Foundation
import TestSupport
import XCTest

/// A clone must explain itself: no committed text refers to documents outside the repository (the project's
/// private design notes, issue numbers of its tracker) or to paths of one machine. Every source, script, doc
/// and test text file is scanned; fixture data (JSON, vocabularies, binary files) is not.
final class RepositoryHygieneTests: XCTestCase {
    // Built from pieces so that this file does not match itself.
    static let forbidden: [(pattern: String, why: String)] = [
        ("rag" + "-spec", "a design note outside the repository: cite docs/ or a public source"),
        ("../" + "shared", "a folder outside the repository"),
        ("platform" + "-notes", "a note outside the repository"),
        ("/wo" + "rk/", "a path of one machine"),
        ("/ro" + "ot/", "a path of one machine"),
    ]
    static let issueReference = try! NSRegularExpression(pattern: "\\b[Ii]" + "ssue [0-9]+")

    func testNoReferenceLeavesTheRepository() throws {
        let root = RepoPaths.root
        let extensions: Set<String> = ["swift", "py", "sh", "rag", "md", "c", "h", "modulemap"]
        var offences: [String] = []
        for folder in ["Sources", "Tests", "scripts", "stdlib", "docs", "test_dir", ".ci"] {
            let base = root.appendingPathComponent(folder)
            guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in walker where extensions.contains(url.pathExtension) || url.lastPathComponent == "run" {
                offences += try check(url, root: root)
            }
        }
        for file in ["README.md", "BENCHMARKS.md", "Package.swift"] {
            offences += try check(root.appendingPathComponent(file), root: root)
        }
        XCTAssertTrue(offences.isEmpty, "references outside the repository:\n" + offences.joined(separator: "\n"))
    }

    func check(_ url: URL, root: URL) throws -> [String] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        let name = url.path.replacingOccurrences(of: root.path + "/", with: "")
        var found: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let s = String(line)
            for (pattern, why) in Self.forbidden where s.contains(pattern) { found.append("\(name):\(number + 1): \(pattern): \(why)") }
            if Self.issueReference.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil {
                found.append("\(name):\(number + 1): an issue number of the tracker, which a clone does not have")
            }
        }
        return found
    }
}
