/// The one JSON parser (RFC 8259) of the code base, over UTF-8 bytes.
///
/// Strict where the RFC is: the number grammar `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`, lowercase
/// literals, no raw control characters in strings, `\u` surrogates only as valid pairs, valid UTF-8, nothing but
/// white space after the value. Objects may repeat a key (the RFC allows it; readers of the value see every
/// member in order) unless `rejectDuplicateKeys` is set. Nesting beyond `maxDepth` arrays/objects is an error,
/// so hostile input cannot exhaust the stack.
extension JSON {
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let message: String
        /// Byte offset in the input where the problem was found.
        public let offset: Int
        public var description: String { "\(message) at byte \(offset)" }

        /// The 1-based position in characters (Unicode scalars) of `offset` within `bytes`.
        public func character(in bytes: [UInt8]) -> Int {
            String(decoding: bytes[..<min(offset, bytes.count)], as: UTF8.self).unicodeScalars.count + 1
        }
    }

    public static func parse(_ bytes: [UInt8], maxDepth: Int = 512, rejectDuplicateKeys: Bool = false) throws -> JSON {
        var p = Parser(bytes: bytes, maxDepth: maxDepth, rejectDuplicateKeys: rejectDuplicateKeys)
        p.skipSpace()
        let value = try p.value(depth: 1)
        p.skipSpace()
        guard p.i == bytes.count else { throw p.failure("unexpected text after the value") }
        return value
    }

    public static func parse(_ text: String, maxDepth: Int = 512, rejectDuplicateKeys: Bool = false) throws -> JSON {
        try parse(Array(text.utf8), maxDepth: maxDepth, rejectDuplicateKeys: rejectDuplicateKeys)
    }
}

private struct Parser {
    let bytes: [UInt8]
    let maxDepth: Int
    let rejectDuplicateKeys: Bool
    var i = 0

    init(bytes: [UInt8], maxDepth: Int, rejectDuplicateKeys: Bool) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.rejectDuplicateKeys = rejectDuplicateKeys
    }

    func failure(_ message: String) -> JSON.ParseError { JSON.ParseError(message: message, offset: i) }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x09 || bytes[i] == 0x0D { i += 1 }
    }

    mutating func expect(_ c: UInt8, _ what: String) throws {
        guard i < bytes.count else { throw failure("unexpected end of input, expected \(what)") }
        guard bytes[i] == c else { throw failure("expected \(what)") }
        i += 1
    }

    mutating func value(depth: Int) throws -> JSON {
        guard i < bytes.count else { throw failure("unexpected end of input") }
        guard depth <= maxDepth else { throw failure("nested deeper than \(maxDepth) levels") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("unexpected character")
        }
    }

    mutating func literal(_ word: StaticString, _ value: JSON) throws -> JSON {
        let w = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard bytes[i...].starts(with: w) else { throw failure("invalid literal") }
        i += w.count
        return value
    }

    mutating func object(depth: Int) throws -> JSON {
        i += 1
        var members: [(String, JSON)] = []
        var keys = Set<String>()
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
                throw failure(i < bytes.count ? "expected a string key" : "unexpected end of input")
            }
            let keyStart = i
            let key = try string()
            if rejectDuplicateKeys, !keys.insert(key).inserted {
                throw JSON.ParseError(message: "duplicate key \(JSON.quote(key))", offset: keyStart)
            }
            skipSpace()
            try expect(UInt8(ascii: ":"), "':'")
            skipSpace()
            members.append((key, try value(depth: depth + 1)))
            skipSpace()
            guard i < bytes.count else { throw failure("unexpected end of input") }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            guard bytes[i] == UInt8(ascii: ",") else { throw failure("expected ',' or '}'") }
            i += 1
        }
    }

    mutating func array(depth: Int) throws -> JSON {
        i += 1
        var items: [JSON] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard i < bytes.count else { throw failure("unexpected end of input") }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            guard bytes[i] == UInt8(ascii: ",") else { throw failure("expected ',' or ']'") }
            i += 1
        }
    }

    /// The number's text, checked against the RFC's grammar.
    mutating func number() throws -> String {
        let start = i
        func digits() -> Int {
            let from = i
            while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
            return i - from
        }
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        let intStart = i
        let intDigits = digits()
        guard intDigits > 0 else { throw failure("invalid number") }
        guard intDigits == 1 || bytes[intStart] != UInt8(ascii: "0") else { i = intStart; throw failure("invalid number (leading zero)") }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { throw failure("invalid number (no digits after '.')") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw failure("invalid number (no digits in the exponent)") }
        }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    mutating func string() throws -> String {
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw failure("unterminated string") }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { i += 1; break }
            if c < 0x20 { throw failure("control character in a string (write it as an escape)") }
            i += 1
            if c != UInt8(ascii: "\\") { out.append(c); continue }
            guard i < bytes.count else { throw failure("unterminated string") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code) {
                    guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw failure("unpaired surrogate \\u escape")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw failure("invalid surrogate pair") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw failure("unpaired surrogate \\u escape") }
                out.append(contentsOf: String(Character(scalar)).utf8)
            default:
                i -= 1
                throw failure("invalid escape")
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw failure("string is not valid UTF-8") }
        return s
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count, bytes[i..<(i + 4)].allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }),
              let v = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16) else {
            throw failure("invalid \\u escape")
        }
        i += 4
        return v
    }
}
