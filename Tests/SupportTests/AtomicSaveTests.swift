import Foundation
import Support
import XCTest

/// The one atomic-save rule for folders (replace as a whole, leftovers of killed saves cleaned up) and for
/// streamed files (the target changes only when the whole file was written).
final class AtomicSaveRuleTests: XCTestCase {
    private func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func testReplaceSwapsTheWholeFolderAndCleansLeftovers() throws {
        let parent = try tempDir(), folder = parent.appendingPathComponent("checkpoint3")
        try AtomicFolder.replace(folder) { try Data("a".utf8).write(to: $0.appendingPathComponent("a")) }
        // a killed save left its working folder beside it
        try FileManager.default.createDirectory(at: parent.appendingPathComponent(".checkpoint3.tmp-1-2"), withIntermediateDirectories: true)
        try AtomicFolder.replace(folder) { try Data("b".utf8).write(to: $0.appendingPathComponent("b")) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["b"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent.path), ["checkpoint3"])
        // a failing writer leaves the folder as it was
        struct Boom: Error {}
        XCTAssertThrowsError(try AtomicFolder.replace(folder) { _ in throw Boom() })
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["b"])
        // an `.old` folder is the only copy when the folder itself is gone: it is kept
        let other = parent.appendingPathComponent("kb"), old = parent.appendingPathComponent(".kb.old-1-2")
        try FileManager.default.createDirectory(at: old, withIntermediateDirectories: true)
        try AtomicFolder.replace(parent.appendingPathComponent("unrelated")) { _ in }
        try AtomicFolder.replace(other) { _ in }
        XCTAssertTrue(FileManager.default.fileExists(atPath: old.path), "kept while kb did not exist")
        try AtomicFolder.replace(other) { _ in }
        XCTAssertFalse(FileManager.default.fileExists(atPath: old.path), "removed once kb exists again")
    }

    func testStreamChangesTheTargetOnlyWhenComplete() throws {
        let dir = try tempDir(), target = dir.appendingPathComponent("w.bin")
        try Data("old".utf8).write(to: target)
        XCTAssertThrowsError(try AtomicFile.stream(to: target) { file in fputs("partial", file) >= 0 && false })
        XCTAssertEqual(try Data(contentsOf: target), Data("old".utf8))
        try AtomicFile.stream(to: target) { file in fputs("new", file) >= 0 }
        XCTAssertEqual(try Data(contentsOf: target), Data("new".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["w.bin"])
    }
}
