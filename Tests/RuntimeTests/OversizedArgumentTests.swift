import Foundation
import Runtime
import TestSupport
import XCTest

/// Sizes a script passes to builtins that allocate by them (reliability: a size never traps or aborts the
/// process). Each case must end in a located runtime error naming the limit, or, where a large value is
/// harmless (HNSW efSearch beyond the index size), in the ordinary result. A case that traps kills the test
/// process, so the suite fails on any regression. docs/language.md, "Limits a script can hit".
final class OversizedArgumentTests: XCTestCase {
    static let setup = """
        dpr_tok = tokenizer.load("test_dir/fixtures/rag/tokenizers/dpr")
        bart_tok = tokenizer.load("test_dir/fixtures/rag/tokenizers/bart")
        enc = {vocab_size: 300, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 4, intermediate_size: 64}
        gen = {vocab_size: 500, d_model: 32, encoder_layers: 1, decoder_layers: 1, encoder_attention_heads: 4,
               decoder_attention_heads: 4, encoder_ffn_dim: 64, decoder_ffn_dim: 64}
        """

    /// Runs `source` in a fresh interpreter with the repository root as the current folder.
    static func runInRepository(_ source: String) throws {
        let interpreter = Interpreter(options: .init(stdlibPath: RepoPaths.url("stdlib").path))
        let cwd = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(RepoPaths.root.path))
        defer { XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(cwd)) }
        try interpreter.run(source: source, name: "case.rag", output: StringSink())
    }

    /// Runs `setup` + `line` and returns the error message (nil if none).
    func error(of line: String) throws -> String? {
        do {
            try Self.runInRepository("import \"rag\"\n" + Self.setup + "\n" + line)
            return nil
        } catch {
            return "\(error)"
        }
    }

    func assertError(_ line: String, contains words: [String], file: StaticString = #filePath, lineNumber: UInt = #line) throws {
        guard let message = try error(of: line) else { return XCTFail("no error for: \(line)", file: file, line: lineNumber) }
        for w in words { XCTAssertTrue(message.contains(w), "\(line)\n-> \(message)", file: file, line: lineNumber) }
    }

    func testTensorShapesBeyondMemoryAreErrors() throws {
        try assertError("a = tensor.zeros([100000, 1]) + tensor.zeros([1, 100000])", contains: ["broadcasting [100000, 1] with [1, 100000]", "GB of memory"])
        try assertError("a = tensor.zeros([100000, 1])\nb = a @ a.T", contains: ["matmul", "[100000, 100000]", "GB of memory"])
        try assertError("a = tensor.zeros([1000000, 1000000, 1000000, 1000000])", contains: ["too large"])
    }

    func testModelSizesFromConfigsAreErrors() throws {
        try assertError("q = dpr.init_question_encoder({vocab_size: 1000000000, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 4, intermediate_size: 64})",
                        contains: ["[1000000000, 32]", "GB of memory"])
        try assertError("gen[\"d_model\"] = 1000000000\ng = bart.init(gen)", contains: ["GB of memory"])
        try assertError("gen[\"encoder_layers\"] = 1000000000\ng = bart.init(gen)", contains: ["encoder_layers must be at most 1024"])
        try assertError("gen[\"max_position_embeddings\"] = 1099511627776\ng = bart.init(gen)", contains: ["max_position_embeddings must be at most"])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-huge-config-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(#"{"model_type": "bart", "vocab_size": 100000000000, "d_model": 64, "encoder_attention_heads": 4, "decoder_attention_heads": 4}"#.utf8)
            .write(to: folder.appendingPathComponent("config.json"))
        try assertError("m = model.load(\"\(folder.path)\")", contains: ["GB of memory"])
    }

    func testSizeArgumentsOfBuiltinsAreErrors() throws {
        try assertError("x = dpr_tok.encode_batch([\"a b\"], max_length: 1000000000000, padding: \"max_length\")", contains: ["at most 67108864 tokens"])
        try assertError("g = bart.init(gen, tokenizer: bart_tok)\nx = g.generate([\"a b\"], beams: 1000000000)", contains: ["num_beams must be from 1 to 1024"])
        try assertError("g = bart.init(gen, tokenizer: bart_tok)\nx = g.generate([\"a b\"], beams: 1, max_length: 1000000000000)", contains: ["max_length must be at most"])
        let rag = """
            q = dpr.init_question_encoder(enc, tokenizer: dpr_tok)
            c = dpr.init_ctx_encoder(enc, tokenizer: dpr_tok)
            g = bart.init(gen, tokenizer: bart_tok)
            k = rag_prepare_kb("test_dir/dummy-kb/my_knowledge_dataset.csv", c, m: 16)
            r = rag_build(q, g, k, n_docs: 2)
            """
        try assertError(rag + "\nx = r.retrieve([\"who\"], n_docs: 1000000000000)", contains: ["n_docs must be from 1 to 1024"])
        try assertError(rag + "\nx = rag_build(q, g, k, n_docs: 1000000000000)", contains: ["n_docs must be from 1 to 1024"])
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-huge-finetune-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        try assertError(rag + "\ns = train.finetune(r, data: \"test_dir/dummy-train-data\", output: \"\(out.path)\", max_source_length: 1000000000000, train_batch_size: 2, log: false)",
                        contains: ["at most 67108864 tokens"])
        try assertError(rag + "\nx = index.hnsw(k, m: 1000000000)", contains: ["M must be from 2 to 4096"])
        try assertError(rag + "\nk.encode(c, batch: 1000000000000)", contains: ["batch must be from 1 to"])
        XCTAssertNil(try error(of: rag + "\nx = index.hnsw(k, m: 16, ef_construction: 1000000000000)"), "efConstruction is capped at the index size")
        // efSearch beyond the index size changes nothing (faiss uses max(efSearch, k) candidates): a result, no error.
        XCTAssertNil(try error(of: rag + "\nx = index.hnsw(k, m: 16).search(q.encode([\"who\"]), k: 2, ef: 1000000000000)"))
    }
}

/// I/O failures say why in words (reliability: no raw Foundation error text).
final class FileErrorMessageTests: XCTestCase {
    func testWritesUnderAFileOrAMissingFolderSayWhy() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-file-errors-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let file = root.appendingPathComponent("plain.txt")
        try Data("x".utf8).write(to: file)
        for (line, expected) in [("io.write_text(\"\(file.path)/x\", \"a\")", "\(file.path) is a file, not a folder"),
                                 ("tokenizer.load(\"test_dir/fixtures/rag/tokenizers/bart\").save(\"\(file.path)/tok\")", "\(file.path) is a file, not a folder"),
                                 ("io.read_text(\"\(root.path)/missing.txt\")", "no such file")] {
            XCTAssertThrowsError(try OversizedArgumentTests.runInRepository(line)) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(line)\n-> \(error)")
                XCTAssertFalse("\(error)".contains("NSCocoaErrorDomain") || "\(error)".contains("could not be completed"), "\(error)")
            }
        }
    }
}
