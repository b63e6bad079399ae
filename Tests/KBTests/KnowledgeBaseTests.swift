import Foundation
import Index
import TestSupport
import XCTest
@testable import KB

/// A deterministic stand-in for the DPR context encoder: each passage's vector is drawn from a
/// generator seeded by an FNV hash of its title and text (so equal passages get equal vectors).
final class HashEncoder: PassageEncoder {
    let dimension: Int
    let fingerprint: String
    var calls: [Int] = []
    var outputShortBy = 0

    init(dimension: Int = 16, fingerprint: String = "hash-encoder-v1") {
        self.dimension = dimension
        self.fingerprint = fingerprint
    }

    func encode(titles: [String], texts: [String]) throws -> [Float] {
        calls.append(titles.count)
        var out: [Float] = []
        for (t, x) in zip(titles, texts) {
            var h: UInt64 = 0xCBF2_9CE4_8422_2325
            for b in (t + "\u{1}" + x).utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
            for _ in 0 ..< dimension {
                h = h &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                out.append(Float(Int64(bitPattern: h >> 11) % 2001 - 1000) / 1000)
            }
        }
        return Array(out.dropLast(outputShortBy))
    }
}

final class KnowledgeBaseTests: XCTestCase {
    /// A KB of `n` synthetic passages.
    func syntheticKB(_ n: Int) -> KnowledgeBase {
        let passages = (0 ..< n).map { Passage(title: "T\($0 % 7)", text: "passage number \($0) with\ttab") }
        return KnowledgeBase(passages: passages, manifest: KBManifest(source: nil, sourceFormat: nil, documents: n,
                                                                       skippedRows: 0, wordsPerPassage: 100, passages: n))
    }

    func tempDir() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-kb-\(UUID())")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testShardRangesFollowTheDatasetsRule() throws {
        let ranges = try (0 ..< 3).map { try Shard(index: $0, count: 3).range(total: 10) }
        XCTAssertEqual(ranges, [0 ..< 4, 4 ..< 7, 7 ..< 10])
        XCTAssertEqual(try Shard(index: 4, count: 5).range(total: 3), 3 ..< 3)
        XCTAssertThrowsError(try Shard(index: 3, count: 3))
    }

    func testShardedEncodingMergesToTheWholeEncoding() throws {
        let kb = syntheticKB(53)
        let encoder = HashEncoder()
        let whole = try PassageEncoding.encode(kb.passages, with: encoder, batchSize: 16)
        XCTAssertEqual(encoder.calls, [16, 16, 16, 5])
        let folder = tempDir()
        for i in [2, 0, 3, 1] {
            try ShardFiles.write(try PassageEncoding.encode(kb.passages, with: encoder, batchSize: 4, shard: Shard(index: i, count: 4)), to: folder)
        }
        let shards = try ShardFiles.readAll(in: folder)
        XCTAssertEqual(shards.map(\.shard.index), [0, 1, 2, 3])
        let merged = try PassageEncoding.merge(shards.reversed())
        XCTAssertEqual(merged.embeddings, whole.embeddings)
        XCTAssertEqual(merged.fingerprint, "hash-encoder-v1")

        XCTAssertThrowsError(try PassageEncoding.merge(Array(shards.dropLast()))) {
            XCTAssertTrue("\($0)".contains("missing [3]"), "\($0)")
        }
        var other = shards
        other[1] = try PassageEncoding.encode(kb.passages, with: HashEncoder(fingerprint: "other"), shard: Shard(index: 1, count: 4))
        XCTAssertThrowsError(try PassageEncoding.merge(other)) {
            XCTAssertTrue("\($0)".contains("encoded with other"), "\($0)")
        }
        XCTAssertThrowsError(try PassageEncoding.merge(shards + [shards[0]]))
    }

    /// Batches go longest-first (little padding per batch); vectors still land in KB row order.
    func testBatchesAreLengthOrderedAndRowsKeepTheirPlace() throws {
        let passages = [8, 30, 3, 30, 12, 1, 25].enumerated().map { i, words in
            Passage(title: "T\(i)", text: Array(repeating: "w", count: words).joined(separator: " "))
        }
        XCTAssertEqual(PassageEncoding.lengthOrder(passages, 0 ..< 7), [1, 3, 6, 4, 0, 2, 5])
        XCTAssertEqual(PassageEncoding.lengthOrder(passages, 2 ..< 5), [3, 4, 2])
        let encoder = HashEncoder()
        let batched = try PassageEncoding.encode(passages, with: encoder, batchSize: 3)
        XCTAssertEqual(encoder.calls, [3, 3, 1])
        for (i, p) in passages.enumerated() {
            let alone = try HashEncoder().encode(titles: [p.title], texts: [p.text])
            XCTAssertEqual(Array(batched.embeddings[i * 16 ..< (i + 1) * 16]), alone, "row \(i)")
        }
    }

    func testEncoderErrorsAndCancellation() throws {
        let kb = syntheticKB(10)
        let bad = HashEncoder()
        bad.outputShortBy = 1
        XCTAssertThrowsError(try kb.encode(with: bad, batchSize: 4)) {
            // All ten passages have the same length, so ties keep row order: the first batch is rows 0...3.
            XCTAssertEqual($0 as? KBError, .encoderOutput(expected: 64, got: 63, passages: [0, 1, 2, 3]))
        }
        var polls = 0
        XCTAssertThrowsError(try kb.encode(with: HashEncoder(), batchSize: 4, isCancelled: { polls += 1; return polls > 2 })) {
            XCTAssertEqual($0 as? KBError, .cancelled(done: 8))
        }
        XCTAssertNil(kb.embeddings)
        XCTAssertThrowsError(try kb.buildIndex(.flat)) { guard case .notEncoded = $0 as? KBError else { return XCTFail("\($0)") } }
    }

    func testProgressLinesAndBar() throws {
        var now = 0.0
        var lines: [String] = []
        let reporter = ProgressReporter(label: "encoding", style: .lines(every: 5), clock: { now }) { lines.append($0) }
        reporter.start(total: 100)
        for _ in 0 ..< 10 { now += 1; reporter.advance(by: 10) }
        reporter.finish()
        XCTAssertEqual(lines, ["encoding: 10/100 passages (10%), 10.0/s, ETA 0:09\n",
                               "encoding: 60/100 passages (60%), 10.0/s, ETA 0:04\n",
                               "encoding: 100/100 passages (100%), 10.0/s, ETA 0:00\n"])
        var out = ""
        now = 0
        let bar = ProgressReporter(label: "enc", style: .bar(width: 10), clock: { now }) { out += $0 }
        bar.start(total: 4)
        now = 2; bar.advance(by: 1)
        bar.finish()
        XCTAssertEqual(out, "\renc [##........] 1/4 passages 0.5/s ETA 0:06\renc [##........] 1/4 passages 0.5/s ETA 0:06\n")
    }

    /// `quietFor`: a job shorter than the delay writes nothing at all; a longer one starts reporting once the
    /// delay has passed and ends with its final line.
    func testProgressStaysQuietForShortJobs() throws {
        var now = 0.0
        var lines: [String] = []
        let reporter = ProgressReporter(label: "encoding", style: .lines(every: 5), clock: { now }) { lines.append($0) }
        reporter.quietFor = 2
        reporter.start(total: 10)
        for _ in 0 ..< 10 { now += 0.1; reporter.advance(by: 1) }
        reporter.finish()
        XCTAssertEqual(lines, [])
        now = 0
        reporter.start(total: 4)
        now = 1; reporter.advance(by: 1)
        now = 3; reporter.advance(by: 1)
        now = 4; reporter.advance(by: 2)
        reporter.finish()
        XCTAssertEqual(lines, ["encoding: 2/4 passages (50%), 0.7/s, ETA 0:03\n", "encoding: 4/4 passages (100%), 1.0/s, ETA 0:00\n"])
    }

    func testSaveLoadGivesIdenticalSearchResults() throws {
        let kb = syntheticKB(400)
        let encoder = HashEncoder()
        try kb.encode(with: encoder, batchSize: 32)
        try kb.buildIndex(.hnsw(m: 8, efConstruction: 40, efSearch: 16), threads: 2)
        let queries = try HashEncoder(fingerprint: "q").encode(titles: ["a", "b", "c"], texts: ["x", "y", "z"])
        let before = try kb.retrieve(questionEmbeddings: queries, nDocs: 5)
        let folder = tempDir()
        try kb.save(to: folder)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)),
                       ["passages.tsv", "embeddings.safetensors", "index.faiss", "kb.json"])
        let loaded = try KnowledgeBase.load(from: folder)
        XCTAssertEqual(loaded.passages, kb.passages)
        XCTAssertEqual(loaded.embeddings, kb.embeddings)
        XCTAssertEqual(loaded.manifest, kb.manifest)
        XCTAssertEqual(try loaded.retrieve(questionEmbeddings: queries, nDocs: 5), before)
        XCTAssertFalse(loaded.isStale(for: encoder))
        XCTAssertTrue(loaded.isStale(for: HashEncoder(fingerprint: "retrained")))

        // Retrieval rows: stored vectors and passage strings of the returned ids.
        let d = 16
        for (row, id) in before.docIds.enumerated() {
            XCTAssertEqual(Array(before.docEmbeddings[row * d ..< (row + 1) * d]), Array(kb.embeddings![id * d ..< (id + 1) * d]))
            XCTAssertEqual(before.titles[row], kb.passages[id].title)
            XCTAssertEqual(before.texts[row], kb.passages[id].text)
        }

        // Saving over an existing KB replaces it whole and leaves no temporary folders.
        let small = syntheticKB(3)
        try small.save(to: folder)
        let reloaded = try KnowledgeBase.load(from: folder)
        XCTAssertEqual(reloaded.count, 3)
        XCTAssertNil(reloaded.embeddings)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)), ["passages.tsv", "kb.json"])
        let siblings = try FileManager.default.contentsOfDirectory(atPath: folder.deletingLastPathComponent().path)
        XCTAssertFalse(siblings.contains { $0.hasPrefix(".\(folder.lastPathComponent).") }, "\(siblings)")
    }

    func testFlatIndexRetrievalAndDummyKBRoundTrip() throws {
        let kb = try KnowledgeBase.fromRaw(RepoPaths.url("test_dir/dummy-kb/my_knowledge_dataset.csv"))
        try kb.encode(with: HashEncoder(dimension: 8))
        try kb.buildIndex(.flat)
        let q = Array(kb.embeddings![3 * 8 ..< 4 * 8])
        let r = try kb.retrieve(questionEmbeddings: q, nDocs: 2)
        XCTAssertEqual(r.docIds.first, 3)
        XCTAssertEqual(r.titles.first, "Pokémon")
        let folder = tempDir()
        try kb.save(to: folder)
        XCTAssertEqual(try KnowledgeBase.load(from: folder).retrieve(questionEmbeddings: q, nDocs: 2), r)
        // More documents than passages: the row is padded as faiss answers (id -1, score -FLT_MAX), with the last
        // passage's title and text and a zero vector (the missing-document rule; RAG decides whether to accept it).
        let padded = try kb.retrieve(questionEmbeddings: q, nDocs: 7)
        XCTAssertEqual(Array(padded.docIds.prefix(6)).sorted(), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(padded.docIds[6], -1)
        XCTAssertEqual(padded.scores[6], -Float.greatestFiniteMagnitude)
        XCTAssertEqual(padded.titles[6], kb.passages[5].title)
        XCTAssertEqual(padded.texts[6], kb.passages[5].text)
        XCTAssertEqual(Array(padded.docEmbeddings[(6 * 8)...]), Array(repeating: 0, count: 8))
    }

    func testCorruptFoldersAreClearErrors() throws {
        let kb = syntheticKB(20)
        try kb.encode(with: HashEncoder())
        try kb.buildIndex(.flat)
        let folder = tempDir()
        try kb.save(to: folder)
        let fm = FileManager.default
        let passages = folder.appendingPathComponent("passages.tsv")
        let original = try Data(contentsOf: passages)
        try Data(String(decoding: original, as: UTF8.self).split(separator: "\n").dropLast().joined(separator: "\n").utf8).write(to: passages)
        XCTAssertThrowsError(try KnowledgeBase.load(from: folder)) {
            XCTAssertTrue("\($0)".contains("19 passages, kb.json says 20"), "\($0)")
        }
        try original.write(to: passages)
        try fm.removeItem(at: folder.appendingPathComponent("embeddings.safetensors"))
        XCTAssertThrowsError(try KnowledgeBase.load(from: folder)) {
            guard case .io(let path, _) = $0 as? KBError else { return XCTFail("\($0)") }
            XCTAssertTrue(path.hasSuffix("embeddings.safetensors"))
        }
        try kb.save(to: folder)
        try Data("IxFI".utf8).write(to: folder.appendingPathComponent("index.faiss"))
        XCTAssertThrowsError(try KnowledgeBase.load(from: folder)) {
            XCTAssertTrue("\($0)".contains("truncated index file"), "\($0)")
        }
    }

    /// kb.json's index kind and the index's stored vectors are checked against the folder: a flipped byte in the
    /// last embedding row, or a kind kb.json does not match, is a corrupt-folder error naming the file.
    func testIndexIsCrossCheckedWithKBJSONAndEmbeddings() throws {
        let kb = syntheticKB(20)
        try kb.encode(with: HashEncoder())
        try kb.buildIndex(.hnsw(m: 8, efConstruction: 40, efSearch: 16), threads: 1)
        let folder = tempDir()
        try kb.save(to: folder)
        XCTAssertNoThrow(try KnowledgeBase.load(from: folder))
        let embeddings = folder.appendingPathComponent("embeddings.safetensors")
        var bytes = try Data(contentsOf: embeddings)
        bytes[bytes.count - 2] ^= 0x01  // last row's last value, low mantissa bits
        try bytes.write(to: embeddings)
        XCTAssertThrowsError(try KnowledgeBase.load(from: folder)) {
            XCTAssertTrue("\($0)".contains("stored vector 19 differs from row 19"), "\($0)")
        }
        try kb.save(to: folder)
        let manifest = folder.appendingPathComponent("kb.json")
        let text = try String(contentsOf: manifest, encoding: .utf8).replacingOccurrences(of: "\"hnsw\"", with: "\"flat\"")
        try text.write(to: manifest, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try KnowledgeBase.load(from: folder)) {
            XCTAssertTrue("\($0)".contains("kb.json names a \"flat\" index"), "\($0)")
        }
    }

}
