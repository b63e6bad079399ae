import Foundation
import TestSupport
import XCTest
@testable import KB

final class IngestTests: XCTestCase {
    struct Reference: Decodable { let dummy: [Passage]; let tricky: [Passage] }

    func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: RepoPaths.url("test_dir/fixtures/kb/passages.json")))
    }

    /// The dummy KB as `datasets` + the seed's split produce it (scripts/fixtures/kb.py).
    func testDummyKBMatchesTheSeed() throws {
        let kb = try KnowledgeBase.fromRaw(RepoPaths.url("test_dir/dummy-kb/my_knowledge_dataset.csv"))
        XCTAssertEqual(kb.passages, try reference().dummy)
        XCTAssertEqual(kb.manifest.documents, 2)
        XCTAssertEqual(kb.count, 6)
        XCTAssertEqual(kb.passages[3].title, "Pokémon", "the quoted title loses its quotes")
    }

    func testPandasEdgeCasesMatchTheSeed() throws {
        let kb = try KnowledgeBase.fromRaw(RepoPaths.url("test_dir/fixtures/kb/tricky.csv"))
        XCTAssertEqual(kb.passages, try reference().tricky)
        XCTAssertEqual(kb.manifest.documents, 12)
    }

    /// A KB file that yields no passage (empty, or every row skipped as malformed) is an error naming it.
    func testAFileWithoutPassagesIsAnError() throws {
        for (name, text) in [("empty", ""), ("skipped", "a\tb\tc\n")] {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-\(name)-\(UUID()).csv")
            try Data(text.utf8).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            XCTAssertThrowsError(try KnowledgeBase.fromRaw(url, format: .csv, skipMalformed: true)) { error in
                XCTAssertTrue("\(error)".contains(url.path) && "\(error)".contains("no passages"), "\(error)")
            }
        }
    }

    func testMalformedRowsFailWithLineNumbersOrAreSkipped() throws {
        let csv = "a\tfine\nb\ttoo\tmany\nc\tok\n\"open\tquote never closed\n"
        XCTAssertThrowsError(try RawKB.parse(csv, format: .csv, path: "bad.csv")) { error in
            XCTAssertEqual(error as? KBError, .malformedRows(path: "bad.csv", rows: [
                MalformedRow(line: 2, reason: "expected 2 fields, saw 3"),
                MalformedRow(line: 4, reason: "quoted field not closed before the end of the file"),
            ]))
            XCTAssertTrue("\(error)".contains("line 2: expected 2 fields, saw 3"), "\(error)")
        }
        let read = try RawKB.parse(csv, format: .csv, skipMalformed: true)
        XCTAssertEqual(read.documents, [RawDocument(title: "a", text: "fine"), RawDocument(title: "c", text: "ok")])
        XCTAssertEqual(read.skipped.map(\.line), [2, 4])

        // Through a file: the skipped count goes to the caller's sink.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-bad-\(UUID()).csv")
        try Data(csv.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        var logged: [String] = []
        let kb = try KnowledgeBase.fromRaw(url, skipMalformed: true) { logged.append($0) }
        XCTAssertEqual(kb.count, 2)
        XCTAssertEqual(kb.manifest.skippedRows, 2)
        XCTAssertEqual(logged.count, 1)
        XCTAssertTrue(logged[0].contains("skipped 2 malformed row(s) (lines 2, 4)"), logged[0])
        XCTAssertThrowsError(try KnowledgeBase.fromRaw(url))
    }

    func testPlainTSVAndJSONL() throws {
        let tsv = try RawKB.parse("T1\tsome \"quoted\" text\n\nT2\t\nbad line\n", format: .tsv, skipMalformed: true)
        XCTAssertEqual(tsv.documents, [RawDocument(title: "T1", text: "some \"quoted\" text"), RawDocument(title: "T2", text: nil)])
        XCTAssertEqual(tsv.skipped, [MalformedRow(line: 4, reason: "expected 2 tab-separated fields, saw 1")])

        let jsonl = """
        {"title": "A", "text": "alpha beta"}
        {"text": "no title"}

        {"title": null, "text": null}
        [1, 2]
        {"title": 3, "text": "x"}
        {"title": "B"}
        not json
        """
        XCTAssertThrowsError(try RawKB.parse(jsonl, format: .jsonl)) { error in
            guard case .malformedRows(_, let rows) = error as? KBError else { return XCTFail("\(error)") }
            XCTAssertEqual(rows.map(\.line), [5, 6, 7, 8])
            XCTAssertEqual(rows.map(\.reason), ["not a JSON object", "\"title\" is not a string", "missing \"text\"", "not valid JSON"])
        }
        let read = try RawKB.parse(jsonl, format: .jsonl, skipMalformed: true)
        XCTAssertEqual(read.documents, [RawDocument(title: "A", text: "alpha beta"), RawDocument(title: nil, text: "no title"),
                                        RawDocument(title: nil, text: nil)])
        XCTAssertEqual(PassageSplitter.split(read.documents), [Passage(title: "A", text: "alpha beta"), Passage(title: "", text: "no title")])
        XCTAssertEqual(RawFormat.guess(from: URL(fileURLWithPath: "/x/kb.jsonl")), .jsonl)
        XCTAssertEqual(RawFormat.guess(from: URL(fileURLWithPath: "/x/kb.csv")), .csv)
    }

    func testSplittingFollowsPythonSplitAndStrip() {
        let words = (0 ..< 7).map { "w\($0)" }
        // Double spaces make empty words that count; passages are stripped after joining.
        let doc = RawDocument(title: nil, text: words[0 ..< 3].joined(separator: " ") + "  " + words[3...].joined(separator: " ") + " ")
        let p = PassageSplitter.split([doc], wordsPerPassage: 3)
        XCTAssertEqual(p.map(\.text), ["w0 w1 w2", "w3 w4", "w5 w6"])
        XCTAssertEqual(p.map(\.title), ["", "", ""])
        XCTAssertEqual(PassageSplitter.split([RawDocument(title: "t", text: "\u{3000}x\u{85}")]).map(\.text), ["x"])
        XCTAssertEqual(PassageSplitter.split([RawDocument(title: "t", text: " ")]).map(\.text), [""])
    }
}
