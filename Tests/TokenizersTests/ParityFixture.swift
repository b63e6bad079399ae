import Foundation
import TestSupport
import Tokenizers
import XCTest

/// The parity fixtures written by scripts/fixtures/tokenizer_parity.py (Hugging Face transformers 5.24 /
/// tokenizers 0.23): inputs.json plus expected-<name>.json per tokenizer.
struct ParityFixture {
    static let directory = RepoPaths.url("test_dir/fixtures/tokenizers")

    let inputs: [String: Any]
    let expected: [String: Any]

    init(_ name: String) throws {
        inputs = try Self.json("inputs.json")
        expected = try Self.json("expected-\(name).json")
    }

    static func json(_ file: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent(file))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    var singles: [String] { inputs["singles"] as! [String] }

    /// Runs every case against `tok`; returns the mismatches (empty = parity).
    func check(_ tok: Tokenizer, decodeCleanUp: Bool = true) throws -> [String] {
        var failures: [String] = []
        func expect<T: Equatable>(_ got: T, _ want: T, _ what: @autoclosure () -> String) {
            if got != want { failures.append("\(what()): got \(got), want \(want)") }
        }
        let singles = self.singles
        let rows = expected["singles"] as! [[String: Any]]
        XCTAssertEqual(rows.count, singles.count)
        for (text, row) in zip(singles, rows) {
            let ids = row["ids"] as! [Int]
            expect(tok.encode(text).ids, ids, "encode \(String(reflecting: text))")
            expect(try tok.decode(ids, skipSpecialTokens: true, cleanUpTokenizationSpaces: false), row["d"] as! String,
                   "decode \(ids)")
            if let dc = row["dc"] as? String, decodeCleanUp {
                expect(try tok.decode(ids, skipSpecialTokens: true, cleanUpTokenizationSpaces: true), dc, "decode+cleanup \(ids)")
            }
            if let dk = row["dk"] as? String {
                expect(try tok.decode(ids, skipSpecialTokens: false, cleanUpTokenizationSpaces: false), dk, "decode keep \(ids)")
            }
        }
        for (p, row) in zip(inputs["pairs"] as! [[String: Any]], expected["pairs"] as! [[String: Any]]) {
            let e = tok.encode(p["a"] as! String, pair: p["b"] as? String, maxLength: p["max_length"] as? Int)
            expect(e.ids, row["ids"] as! [Int], "pair \(p)")
            if let tt = row["tt"] as? [Int] { expect(e.tokenTypeIds, tt, "pair types \(p)") }
            expect(e.attentionMask, Array(repeating: 1, count: e.ids.count), "pair mask")
        }
        for (p, row) in zip(inputs["truncated_singles"] as! [[String: Any]], expected["truncated_singles"] as! [[String: Any]]) {
            let text = singles[p["a"] as! Int]
            expect(tok.encode(text, maxLength: p["max_length"] as? Int).ids, row["ids"] as! [Int], "truncated \(p)")
        }
        for (b, row) in zip(inputs["batches"] as! [[String: Any]], expected["batches"] as! [[String: Any]]) {
            let texts = (b["texts"] as! [Int]).map { singles[$0] }
            let maxLength = b["max_length"] as? Int
            let padding: Padding = b["padding"] as! String == "longest" ? .longest : .fixed(maxLength!)
            let e = try tok.encodeBatch(texts, pairs: b["pairs"] as? [String], maxLength: maxLength, padding: padding)
            expect(e.ids, row["ids"] as! [[Int]], "batch ids \(b)")
            expect(e.attentionMask, row["mask"] as! [[Int]], "batch mask \(b)")
            if let tt = row["tt"] as? [[Int]] { expect(e.tokenTypeIds, tt, "batch types \(b)") }
        }
        let fuzz = inputs["fuzz"] as! [String], fuzzRows = expected["fuzz"] as! [[String: Any]]
        XCTAssertEqual(fuzz.count, fuzzRows.count)
        for (text, row) in zip(fuzz, fuzzRows) {
            let ids = row["ids"] as! [Int]
            expect(tok.encode(text).ids, ids, "fuzz \(String(reflecting: text))")
            expect(try tok.decode(ids, skipSpecialTokens: false, cleanUpTokenizationSpaces: false), row["dk"] as! String,
                   "fuzz decode \(ids)")
        }
        let noSpecial = expected["no_special"] as! [[Int]]
        for (text, ids) in zip(singles, noSpecial) {
            expect(tok.encode(text, addSpecialTokens: false).ids, ids, "no special tokens \(String(reflecting: text))")
        }
        if let prefixed = expected["prefix_space"] as? [[Int]] {
            let pre = tok.settingAddPrefixSpace(true)
            for (text, ids) in zip(singles, prefixed) {
                expect(pre.encode(text).ids, ids, "add_prefix_space \(String(reflecting: text))")
            }
        }
        return failures
    }
}

func assertParity(_ failures: [String], file: StaticString = #filePath, line: UInt = #line) {
    XCTAssert(failures.isEmpty, "\(failures.count) mismatches, first:\n" + failures.prefix(8).joined(separator: "\n"),
              file: file, line: line)
}
