import Support
import XCTest

/// The one JSON parser and writer: the RFC's grammar, hostile input as errors with offsets, the three layouts.
final class JSONTests: XCTestCase {
    func testParsesEveryKindAndKeepsMemberOrder() throws {
        let v = try JSON.parse(#" {"b": [1, -2.5e3, true, false, null], "a": "x\u00e9\ud83d\ude00\n", "c": {}} "#)
        guard case let .object(m)? = Optional(v) else { return XCTFail("\(v)") }
        XCTAssertEqual(m.map(\.0), ["b", "a", "c"])
        guard case let .array(items) = m[0].1, case let .string(s) = m[1].1 else { return XCTFail("\(v)") }
        XCTAssertEqual(items.count, 5)
        if case let .number(text) = items[1] { XCTAssertEqual(text, "-2.5e3") } else { XCTFail("\(items[1])") }
        XCTAssertEqual(s, "xé😀\n")
    }

    func testRejectsWhatTheRFCRejectsWithAnOffset() {
        let cases: [(String, String, Int)] = [
            ("[01]", "leading zero", 1), ("[1.]", "no digits after", 3), ("[1e]", "exponent", 3), ("[+1]", "unexpected character", 1),
            ("[tru]", "invalid literal", 1), ("\"a\u{01}\"", "control character", 2), (#""\ud800""#, "unpaired surrogate", 7),
            (#""\x""#, "invalid escape", 2), (#""\u12g4""#, "invalid \\u escape", 3), ("[1, 2", "unexpected end", 5),
            ("{\"a\" 1}", "expected ':'", 5), ("{1: 2}", "expected a string key", 1), ("[1] x", "after the value", 4),
            ("\"abc", "unterminated string", 4),
        ]
        for (text, problem, offset) in cases {
            XCTAssertThrowsError(try JSON.parse(text), text) { error in
                guard let e = error as? JSON.ParseError else { return XCTFail("\(error)") }
                XCTAssertTrue(e.message.contains(problem), "\(text): \(e)")
                XCTAssertEqual(e.offset, offset, "\(text): \(e)")
            }
        }
        XCTAssertThrowsError(try JSON.parse([0x22, 0xFF, 0x22]))  // not UTF-8
    }

    func testDepthLimitAndDuplicateKeys() throws {
        let deep = String(repeating: "[", count: 20) + String(repeating: "]", count: 20)
        XCTAssertNoThrow(try JSON.parse(deep, maxDepth: 20))
        XCTAssertThrowsError(try JSON.parse(deep, maxDepth: 19)) { XCTAssertTrue("\($0)".contains("nested deeper than 19")) }
        XCTAssertThrowsError(try JSON.parse(String(repeating: "[", count: 100_000))) // no stack overflow
        XCTAssertEqual(try JSON.parse(#"{"a": 1, "a": 2}"#).members?.count, 2)
        XCTAssertThrowsError(try JSON.parse(#"{"a": 1, "a": 2}"#, rejectDuplicateKeys: true)) { e in
            XCTAssertEqual((e as? JSON.ParseError)?.offset, 9)
        }
    }

    func testLayoutsAndQuoting() throws {
        let v = JSON.object([("ids", .array([.int(1), .int(2)])), ("m", .object([("k", .null)])), ("e", .array([]))])
        XCTAssertEqual(v.rendered(), #"{"ids": [1, 2], "m": {"k": null}, "e": []}"#)
        XCTAssertEqual(v.rendered(.indented(1)), "{\n \"ids\": [\n  1,\n  2\n ],\n \"m\": {\n  \"k\": null\n },\n \"e\": []\n}")
        XCTAssertEqual(v.rendered(.scalarArraysInline), "{\n  \"ids\": [1, 2],\n  \"m\": {\n    \"k\": null\n  },\n  \"e\": []\n}")
        XCTAssertEqual(JSON.quote("a\"\\\n\t\u{08}\u{01}\u{7F}\u{2028}\u{FEFF}é"), #""a\"\\\n\t\b\u0001\u007f\u2028\ufeffé""#)
        // every string survives a round trip through the writer and the parser
        for s in ["", "plain", "\u{0}\u{1F}\u{7F}\u{85}\u{2029}\u{FEFF}x", "😀 \\ \" /"] {
            guard case let .string(back) = try JSON.parse(JSON.quote(s)) else { return XCTFail(s) }
            XCTAssertEqual(back, s)
        }
    }
}
