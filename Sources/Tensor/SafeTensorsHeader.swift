/// The safetensors header (the safetensors file format (huggingface/safetensors README)): a strict JSON reader for it and its validation.
/// Everything a file claims is checked before any tensor byte is read: JSON syntax, duplicate names,
/// known dtypes, shapes, offsets inside the buffer, byte counts, and exact tiling of the data buffer.

/// Why a safetensors file was rejected (or could not be written).
public struct SafeTensorsError: Error, Equatable, CustomStringConvertible, Sendable {
    public let path: String
    public let problem: String
    public var description: String { "safetensors \(path): \(problem)" }
}

/// Element types of the format; `bytes` is nil for sub-byte types this reader does not support.
public enum SafeTensorsDType: String, CaseIterable, Sendable {
    case bool = "BOOL", f4 = "F4", f6e2m3 = "F6_E2M3", f6e3m2 = "F6_E3M2", u8 = "U8", i8 = "I8"
    case f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3", f8e8m0 = "F8_E8M0", f8e4m3fnuz = "F8_E4M3FNUZ", f8e5m2fnuz = "F8_E5M2FNUZ"
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16", i32 = "I32", u32 = "U32", f32 = "F32", c64 = "C64"
    case f64 = "F64", i64 = "I64", u64 = "U64"

    /// Bits per element.
    var bits: Int {
        switch self {
        case .f4: return 4
        case .f6e2m3, .f6e3m2: return 6
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3, .f8e8m0, .f8e4m3fnuz, .f8e5m2fnuz: return 8
        case .i16, .u16, .f16, .bf16: return 16
        case .i32, .u32, .f32: return 32
        case .c64, .f64, .i64, .u64: return 64
        }
    }

    /// Converted to float32 on load.
    var isSupported: Bool {
        switch self {
        case .bool, .u8, .i8, .i16, .u16, .f16, .bf16, .i32, .u32, .f32, .f64, .i64, .u64: return true
        default: return false
        }
    }
}

struct SafeTensorsEntry {
    let name: String
    let dtype: SafeTensorsDType
    let shape: [Int]
    let begin: Int, end: Int
}

/// Minimal JSON values for the header (numbers kept as their text, validated by the user).
indirect enum JSONValue {
    case object([(String, JSONValue)]), array([JSONValue]), string(String), number(String), bool(Bool), null
}

/// A strict RFC 8259 parser over the header bytes that reports duplicate object keys.
struct JSONParser {
    let bytes: [UInt8]
    var i = 0

    struct Failure: Error { let message: String }

    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var p = JSONParser(bytes: bytes)
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == bytes.count else { throw Failure(message: "unexpected byte \(bytes[p.i]) at header offset \(p.i) after the JSON object") }
        return v
    }

    mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    mutating func expect(_ c: UInt8) throws {
        guard i < bytes.count, bytes[i] == c else {
            throw Failure(message: "expected '\(Character(Unicode.Scalar(c)))' at header offset \(i)")
        }
        i += 1
    }

    mutating func value(depth: Int) throws -> JSONValue {
        guard depth < 16 else { throw Failure(message: "JSON nested too deeply") }
        skipSpace()
        guard i < bytes.count else { throw Failure(message: "header ends inside a JSON value") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var members: [(String, JSONValue)] = []
            var keys = Set<String>()
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                skipSpace()
                let key = try string()
                guard keys.insert(key).inserted else { throw Failure(message: "duplicate key \"\(key)\"") }
                skipSpace()
                try expect(UInt8(ascii: ":"))
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                try expect(UInt8(ascii: "}"))
                return .object(members)
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [JSONValue] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                items.append(try value(depth: depth + 1))
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                try expect(UInt8(ascii: "]"))
                return .array(items)
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = i
            while i < bytes.count, "+-.eE0123456789".utf8.contains(bytes[i]) { i += 1 }
            return .number(String(decoding: bytes[start..<i], as: UTF8.self))
        default:
            for (word, v) in [("true", JSONValue.bool(true)), ("false", .bool(false)), ("null", .null)] where bytes[i...].starts(with: word.utf8) {
                i += word.utf8.count
                return v
            }
            throw Failure(message: "unexpected byte \(bytes[i]) at header offset \(i)")
        }
    }

    mutating func string() throws -> String {
        try expect(UInt8(ascii: "\""))
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw Failure(message: "unterminated string") }
            let c = bytes[i]
            i += 1
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { throw Failure(message: "control character in string at header offset \(i - 1)") }
            if c != UInt8(ascii: "\\") { out.append(c); continue }
            guard i < bytes.count else { throw Failure(message: "unterminated escape") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(8)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw Failure(message: "unpaired surrogate in string")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw Failure(message: "invalid surrogate pair") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(scalar) else { throw Failure(message: "invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: throw Failure(message: "invalid escape \\\(Character(Unicode.Scalar(e)))")
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw Failure(message: "string is not valid UTF-8") }
        return s
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16) else {
            throw Failure(message: "invalid \\u escape")
        }
        i += 4
        return v
    }
}

enum SafeTensorsHeader {
    /// Parses and validates the header for a data buffer of `dataLength` bytes.
    /// Returns entries sorted by offset and the metadata.
    static func parse(_ header: [UInt8], dataLength: Int, fail: (String) -> SafeTensorsError) throws
        -> (entries: [SafeTensorsEntry], metadata: [String: String]) {
        guard header.first == UInt8(ascii: "{") else { throw fail("header does not start with '{'") }
        let root: JSONValue
        do { root = try JSONParser.parse(header) } catch let e as JSONParser.Failure { throw fail("header JSON: \(e.message)") }
        guard case let .object(members) = root else { throw fail("header is not a JSON object") }
        var metadata: [String: String] = [:]
        var entries: [SafeTensorsEntry] = []
        for (name, value) in members {
            if name == "__metadata__" {
                guard case let .object(pairs) = value else { throw fail("__metadata__ is not an object") }
                for (k, v) in pairs {
                    guard case let .string(s) = v else { throw fail("__metadata__ value for \"\(k)\" is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard case let .object(fields) = value else { throw fail("entry \"\(name)\" is not an object") }
            var dtype: SafeTensorsDType?, shape: [Int]?, offsets: [Int]?
            for (key, v) in fields {
                switch key {
                case "dtype":
                    guard case let .string(s) = v else { throw fail("\"\(name)\": dtype is not a string") }
                    guard let d = SafeTensorsDType(rawValue: s) else { throw fail("\"\(name)\": unknown dtype \(s)") }
                    dtype = d
                case "shape": shape = try integers(v, "\(name)\": shape", fail)
                case "data_offsets": offsets = try integers(v, "\(name)\": data_offsets", fail)
                default: throw fail("\"\(name)\": unknown field \"\(key)\"")
                }
            }
            guard let dtype, let shape, let offsets else { throw fail("\"\(name)\": needs dtype, shape and data_offsets") }
            guard offsets.count == 2, offsets[0] <= offsets[1] else {
                throw fail("\"\(name)\": data_offsets \(offsets) must be [begin, end] with begin <= end")
            }
            guard offsets[1] <= dataLength else {
                throw fail("\"\(name)\": data_offsets \(offsets) beyond the data buffer of \(dataLength) bytes")
            }
            var elements = 1
            for d in shape {
                let (p, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow, p <= dataLength * 8 else { throw fail("\"\(name)\": shape \(shape) too large for the file") }
                elements = p
            }
            guard (elements * dtype.bits) % 8 == 0, elements * dtype.bits / 8 == offsets[1] - offsets[0] else {
                throw fail("\"\(name)\": \(dtype.rawValue) \(shape) needs \(elements * dtype.bits / 8) bytes, data_offsets \(offsets) give \(offsets[1] - offsets[0])")
            }
            guard dtype.isSupported else { throw fail("\"\(name)\": dtype \(dtype.rawValue) is not supported") }
            entries.append(SafeTensorsEntry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1]))
        }
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor = 0
        for e in entries {
            guard e.begin == cursor else {
                throw fail(e.begin < cursor ? "\"\(e.name)\" overlaps the previous tensor (offset \(e.begin) < \(cursor))"
                                            : "gap in the data buffer before \"\(e.name)\" (offset \(e.begin), expected \(cursor))")
            }
            cursor = e.end
        }
        guard cursor == dataLength else {
            throw fail("tensors cover \(cursor) bytes but the data buffer has \(dataLength)")
        }
        return (entries, metadata)
    }

    private static func integers(_ v: JSONValue, _ what: String, _ fail: (String) -> SafeTensorsError) throws -> [Int] {
        guard case let .array(items) = v else { throw fail("\"\(what) is not an array") }
        return try items.map { item in
            guard case let .number(text) = item, let n = Int(text), n >= 0, !text.hasPrefix("-"),
                  text == "0" || !text.hasPrefix("0") else {
                throw fail("\"\(what) holds a value that is not a non-negative integer")
            }
            return n
        }
    }
}
