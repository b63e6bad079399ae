import Foundation
import Tensor
import TestSupport
import Tokenizers
import Train
import XCTest

final class DataTests: XCTestCase {
    let data = RepoPaths.url("test_dir/dummy-train-data")

    func testDummyDataLineRules() throws {
        let train = try Seq2SeqData.load(directory: data, split: "train")
        XCTAssertEqual(train.count, 48)  // 47 newlines, no final newline
        XCTAssertEqual(train[0], Seq2SeqExample(source: "What does Moses' rod turn into ?", target: "to a snake"))
        XCTAssertTrue(train.contains { $0.target.hasSuffix(" ") }, "trailing spaces are kept")
        XCTAssertEqual(try Seq2SeqData.load(directory: data, split: "test").count, 8)  // final newline: no extra line
        XCTAssertEqual(try Seq2SeqData.load(directory: data, split: "val", prefix: "q: ", limit: 3).map(\.source),
                       ["q: What does Moses' rod turn into ?", "q: Who is Aron?", "q: Where did Moses grow up ?"])
        XCTAssertEqual(try Seq2SeqData.load(directory: data, split: "val", limit: 100).count, 8)
        XCTAssertEqual(Seq2SeqData.splitLines("a\r\nb\rc\n\nd "), ["a", "b", "c", "", "d "])
        XCTAssertEqual(Seq2SeqData.splitLines("a\n"), ["a"])
    }

    func testBadFilesAreErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("data-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "a\n\nc".write(to: dir.appendingPathComponent("x.source"), atomically: true, encoding: .utf8)
        try "1\n2\n3".write(to: dir.appendingPathComponent("x.target"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Seq2SeqData.load(directory: dir, split: "x")) { XCTAssertTrue("\($0)".contains("empty source line 2")) }
        XCTAssertEqual(try Seq2SeqData.load(directory: dir, split: "x", limit: 1).count, 1)
        try "1\n2".write(to: dir.appendingPathComponent("x.target"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Seq2SeqData.load(directory: dir, split: "x")) { XCTAssertTrue("\($0)".contains("has 3 lines")) }
        try Data([0xEF, 0xBB, 0xBF] + Array("x\r\ny".utf8)).write(to: dir.appendingPathComponent("bom.source"))
        XCTAssertEqual(try Seq2SeqData.lines(dir.appendingPathComponent("bom.source")), ["x", "y"])
        try Data([0x61, 0xFF, 0x0A]).write(to: dir.appendingPathComponent("bad.source"))
        XCTAssertThrowsError(try Seq2SeqData.lines(dir.appendingPathComponent("bad.source"))) { XCTAssertTrue("\($0)".contains("UTF-8")) }
        XCTAssertThrowsError(try Seq2SeqData.load(directory: dir, split: "missing")) { XCTAssertTrue("\($0)".contains("missing.source")) }
    }

    /// The collated batch of train lines 0, 4, 6 equals the Python reference (rag.json → batch, rag-end2end-retriever `utils_rag.py` (`Seq2SeqDataset`)).
    func testCollationMatchesReferenceBatch() throws {
        let tokDir = RepoPaths.url("test_dir/fixtures/rag/tokenizers")
        let collator = try Seq2SeqCollator(sourceTokenizer: try Tokenizer.load(from: tokDir.appendingPathComponent("dpr")),
                                           targetTokenizer: try Tokenizer.load(from: tokDir.appendingPathComponent("bart")))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: RepoPaths.url("test_dir/fixtures/rag/rag.json"))) as! [String: Any]
        let ref = json["batch"] as! [String: Any]
        let train = try Seq2SeqData.load(directory: data, split: "train")
        let b = try collator.collate([0, 4, 6].map { train[$0] }, indices: [0, 4, 6])
        XCTAssertEqual(b.examples.map(\.source), ref["sources"] as! [String])
        XCTAssertEqual(b.examples.map(\.target), ref["targets"] as! [String])
        let ids = ref["input_ids"] as! [[Int]], mask = ref["attention_mask"] as! [[Int]], labels = ref["labels"] as! [[Int]]
        XCTAssertEqual(b.inputIds, try IntTensor(shape: [3, 10], scalars: ids.flatMap { $0 }))
        XCTAssertEqual(b.attentionMask, try IntTensor(shape: [3, 10], scalars: mask.flatMap { $0 }))
        XCTAssertEqual(b.decoderInputIds, try IntTensor(shape: [3, 18], scalars: labels.flatMap { $0 }))
        let short = try Seq2SeqCollator(sourceTokenizer: collator.sourceTokenizer, targetTokenizer: collator.targetTokenizer,
                                        maxSourceLength: 4, maxTargetLength: 3)
        let t = try short.collate([train[6]], indices: [6])
        XCTAssertEqual(t.inputIds.scalars, [2, 121, 244, 3])
        XCTAssertEqual(t.decoderInputIds.scalars, [0, 436, 2])
    }

    func testLoaderShufflesReproduciblyPerEpoch() throws {
        let tokDir = RepoPaths.url("test_dir/fixtures/rag/tokenizers")
        let collator = try Seq2SeqCollator(sourceTokenizer: try Tokenizer.load(from: tokDir.appendingPathComponent("dpr")),
                                           targetTokenizer: try Tokenizer.load(from: tokDir.appendingPathComponent("bart")))
        let train = try Seq2SeqData.load(directory: data, split: "train", limit: 10)
        let a = try BatchLoader(examples: train, batchSize: 4, shuffle: true, seed: 42, collator: collator)
        let b = try BatchLoader(examples: train, batchSize: 4, shuffle: true, seed: 42, collator: collator)
        XCTAssertEqual(a.batchesPerEpoch, 3)
        XCTAssertEqual(a.order(epoch: 0), b.order(epoch: 0))
        XCTAssertEqual(a.order(epoch: 0).sorted(), Array(0..<10))
        XCTAssertNotEqual(a.order(epoch: 0), a.order(epoch: 1))
        XCTAssertNotEqual(a.order(epoch: 0), Array(0..<10))
        let c = try BatchLoader(examples: train, batchSize: 4, shuffle: true, seed: 7, collator: collator)
        XCTAssertNotEqual(a.order(epoch: 0), c.order(epoch: 0))
        let last = try a.batch(epoch: 0, index: 2)
        XCTAssertEqual(last.indices, Array(a.order(epoch: 0)[8...]))
        XCTAssertEqual(last.inputIds.shape[0], 2)
        let plain = try BatchLoader(examples: train, batchSize: 4, shuffle: false, collator: collator)
        XCTAssertEqual(try plain.batch(epoch: 3, index: 1).indices, [4, 5, 6, 7])
        XCTAssertThrowsError(try plain.batch(epoch: 0, index: 3))
    }
}
