import Foundation
import Models
import NN
import Tensor
import TestSupport
import Tokenizers
import XCTest

/// Saves never leave a partial folder (AtomicFolder): on a full disk a save over an existing model (with its
/// tokenizer) fails with an error and the folder still loads with the previous weights; a fresh save leaves no
/// folder; no staging folder is left behind; an optimizer saves into a folder that does not exist yet.
/// The full disk is a 1 MiB tmpfs mounted for the test (root only; skipped with the reason elsewhere).
final class AtomicSaveTests: XCTestCase {
    private var mountPoint: URL?

    override func tearDown() {
        if let mountPoint {
            _ = try? Self.run("/bin/umount", [mountPoint.path])
            try? FileManager.default.removeItem(at: mountPoint)
        }
        super.tearDown()
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// A mounted tmpfs of `kib` KiB, or a skip naming why not.
    func smallDisk(kib: Int, readOnly: Bool = false) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-tmpfs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        guard FileManager.default.isExecutableFile(atPath: "/bin/mount"),
              (try? Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(kib)k" + (readOnly ? ",ro" : ""), "tmpfs", dir.path])) == 0 else {
            try? FileManager.default.removeItem(at: dir)
            throw XCTSkip("cannot mount a tmpfs here (needs root): the full-disk save test did not run")
        }
        mountPoint = dir
        return dir
    }

    /// A save onto a read-only file system says so (not Foundation's "error 642").
    func testASaveOntoAReadOnlyDiskSaysSo() throws {
        let disk = try smallDisk(kib: 256, readOnly: true)
        XCTAssertThrowsError(try encoder(seed: 1).save(to: disk.appendingPathComponent("model"))) { error in
            XCTAssertTrue("\(error)".contains("Read-only file system"), "\(error)")
        }
    }

    func encoder(seed: UInt64) throws -> DPREncoder {
        var c = BertConfig()
        (c.vocabSize, c.hiddenSize, c.numHiddenLayers, c.numAttentionHeads, c.intermediateSize) = (300, 64, 2, 2, 128)
        return try DPREncoder(kind: .question, config: c, seed: seed)
    }

    /// Fills the disk with a file until less than `leave` bytes are free.
    func fill(_ disk: URL, leaving leave: Int) throws {
        let free = try XCTUnwrap(try FileManager.default.attributesOfFileSystem(forPath: disk.path)[.systemFreeSize] as? Int)
        if free > leave { try Data(count: free - leave).write(to: disk.appendingPathComponent("filler")) }
    }

    func testAFailedSaveLeavesThePreviousFolderAndNoPartialOne() throws {
        let disk = try smallDisk(kib: 1024)
        let tokenizer = try Tokenizer.load(from: RepoPaths.url("test_dir/fixtures/rag/tokenizers/dpr"))
        let folder = disk.appendingPathComponent("model")
        let first = try encoder(seed: 1)
        try first.save(to: folder, tokenizer: tokenizer)
        let size = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("model.safetensors").path)[.size] as! Int
        try fill(disk, leaving: size / 2)

        // Over the existing folder: the error names the folder; the previous model and tokenizer still load.
        XCTAssertThrowsError(try encoder(seed: 2).save(to: folder, tokenizer: tokenizer)) { error in
            XCTAssertTrue("\(error)".contains("model"), "\(error)")
            XCTAssertTrue("\(error)".contains("No space left on device"), "the cause, in words: \(error)")
            XCTAssertFalse("\(error)".contains("NSCocoaErrorDomain"), "\(error)")
        }
        let back = try DPREncoder.load(from: folder)
        XCTAssertEqual(back.stateDict().map(\.tensor.scalars), first.stateDict().map(\.tensor.scalars))
        XCTAssertNoThrow(try Tokenizer.load(from: folder))
        // A fresh save: nothing appears.
        let fresh = disk.appendingPathComponent("fresh")
        XCTAssertThrowsError(try encoder(seed: 3).save(to: fresh))
        XCTAssertFalse(FileManager.default.fileExists(atPath: fresh.path))
        // No staging folders left.
        let names = try FileManager.default.contentsOfDirectory(atPath: disk.path)
        XCTAssertEqual(Set(names), ["model", "filler"], "\(names)")
    }

    func testSavesKeepOtherFilesDropStaleOnesAndCreateMissingFolders() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-save-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("a/b/model")
        let enc = try encoder(seed: 1)
        try enc.save(to: folder)
        // A tokenizer saved into the model's folder keeps the model; the model saved again keeps the tokenizer.
        let wordPiece = try Tokenizer.load(from: RepoPaths.url("test_dir/fixtures/rag/tokenizers/dpr"))
        try wordPiece.save(to: folder)
        try enc.save(to: folder)
        XCTAssertNoThrow(try DPREncoder.load(from: folder))
        XCTAssertNoThrow(try Tokenizer.load(from: folder))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("vocab.txt").path))
        // A BPE tokenizer over the WordPiece one: vocab.txt is stale and goes.
        let bpe = try Tokenizer.load(from: RepoPaths.url("test_dir/fixtures/rag/tokenizers/bart"))
        try bpe.save(to: folder)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("vocab.txt").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("merges.txt").path))
        XCTAssertNoThrow(try DPREncoder.load(from: folder))
        // An optimizer into a folder that does not exist yet.
        let params = enc.namedParameters()
        let opt = try AdamW(parameters: params, learningRate: 1e-3)
        let optFolder = dir.appendingPathComponent("c/d/optimizer")
        try opt.save(to: optFolder)
        try AdamW(parameters: params, learningRate: 1e-3).load(from: optFolder)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("a/b").path), ["model"])
    }
}
