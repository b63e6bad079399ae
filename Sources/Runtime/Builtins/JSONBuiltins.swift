import Foundation

/// The `json` namespace: parse and dump JSON text (objects keep their key order).
enum JSONBuiltins {
    static var table: BuiltinTable {
        BuiltinTable(namespaces: [NamespaceTable("json", doc: "parse and dump JSON", functions: [
            Builtin("parse", [Param("text")], "parse(text): JSON text -> Dict/List/String/Int/Float/Bool/nil") {
                args in try JSONReader.parse(try args.string("text"))
            },
            Builtin("dump", [Param("value"), Param("indent", default: .null)],
                    "dump(value, indent: nil) -> String: JSON text (pretty-printed with an indent)") { args in
                var out = ""
                try JSONWriter(indent: try args.optionalInt("indent")).write(args.value("value"), into: &out, level: 0)
                return .string(out)
            },
        ])])
    }
}

/// A strict JSON reader (RFC 8259) producing language values.
struct JSONReader {
    private let scalars: [Unicode.Scalar]
    private var index = 0

    static func parse(_ text: String) throws -> Value {
        var reader = JSONReader(scalars: Array(text.unicodeScalars))
        reader.skipSpace()
        let value = try reader.value()
        reader.skipSpace()
        guard reader.index == reader.scalars.count else { throw reader.failure("unexpected text after the value") }
        return value
    }

    private init(scalars: [Unicode.Scalar]) { self.scalars = scalars }

    private func failure(_ message: String) -> RuntimeError {
        RuntimeError("json.parse: \(message) at character \(index + 1)")
    }

    private mutating func skipSpace() {
        while index < scalars.count, [" ", "\n", "\t", "\r"].contains(scalars[index]) { index += 1 }
    }

    private mutating func literal(_ word: String, _ value: Value) throws -> Value {
        let end = index + word.unicodeScalars.count
        guard end <= scalars.count, String(String.UnicodeScalarView(scalars[index..<end])) == word else {
            throw failure("invalid literal")
        }
        index = end
        return value
    }

    private mutating func value() throws -> Value {
        guard index < scalars.count else { throw failure("unexpected end of input") }
        switch scalars[index] {
        case "{": return try object()
        case "[": return try array()
        case "\"": return .string(try string())
        case "t": return try literal("true", .bool(true))
        case "f": return try literal("false", .bool(false))
        case "n": return try literal("null", .null)
        default: return try number()
        }
    }

    private mutating func object() throws -> Value {
        index += 1
        let dict = DictRef()
        skipSpace()
        if index < scalars.count, scalars[index] == "}" { index += 1; return .dict(dict) }
        while true {
            skipSpace()
            guard index < scalars.count, scalars[index] == "\"" else { throw failure("expected a string key") }
            let key = try string()
            skipSpace()
            guard index < scalars.count, scalars[index] == ":" else { throw failure("expected ':'") }
            index += 1
            skipSpace()
            dict[key] = try value()
            skipSpace()
            guard index < scalars.count else { throw failure("unexpected end of input") }
            if scalars[index] == "}" { index += 1; return .dict(dict) }
            guard scalars[index] == "," else { throw failure("expected ',' or '}'") }
            index += 1
        }
    }

    private mutating func array() throws -> Value {
        index += 1
        var items: [Value] = []
        skipSpace()
        if index < scalars.count, scalars[index] == "]" { index += 1; return .list(items) }
        while true {
            skipSpace()
            items.append(try value())
            skipSpace()
            guard index < scalars.count else { throw failure("unexpected end of input") }
            if scalars[index] == "]" { index += 1; return .list(items) }
            guard scalars[index] == "," else { throw failure("expected ',' or ']'") }
            index += 1
        }
    }

    private mutating func string() throws -> String {
        index += 1
        var out = String.UnicodeScalarView()
        while index < scalars.count {
            let c = scalars[index]
            index += 1
            if c == "\"" { return String(out) }
            guard c == "\\" else { out.append(c); continue }
            guard index < scalars.count else { break }
            let e = scalars[index]
            index += 1
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "b": out.append("\u{8}")
            case "f": out.append("\u{c}")
            case "\"", "\\", "/": out.append(e)
            case "u":
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code), index + 1 < scalars.count, scalars[index] == "\\",
                   scalars[index + 1] == "u" {
                    index += 2
                    let low = try hex4()
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw failure("invalid \\u escape") }
                out.append(scalar)
            default: throw failure("invalid escape")
            }
        }
        throw failure("unterminated string")
    }

    private mutating func hex4() throws -> UInt32 {
        guard index + 4 <= scalars.count,
              let code = UInt32(String(String.UnicodeScalarView(scalars[index..<index + 4])), radix: 16) else {
            throw failure("invalid \\u escape")
        }
        index += 4
        return code
    }

    private mutating func number() throws -> Value {
        let start = index
        while index < scalars.count, "+-0123456789.eE".unicodeScalars.contains(scalars[index]) { index += 1 }
        let text = String(String.UnicodeScalarView(scalars[start..<index]))
        if let n = Int(text) { return .int(n) }
        if !text.isEmpty, let x = Double(text) { return .float(x) }
        index = start
        throw failure("unexpected character")
    }
}

/// Writes values as JSON; floats use the shortest round-trip form, dict keys keep their order.
struct JSONWriter {
    let indent: Int?

    func write(_ value: Value, into out: inout String, level: Int) throws {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let n): out += String(n)
        case .float(let x):
            guard x.isFinite else { throw RuntimeError("json.dump: \(x) is not valid JSON") }
            out += "\(x)"
        case .string(let s): out += JSONWriter.quote(s)
        case .list(let list):
            try container("[", "]", list.items.count, into: &out, level: level) { i, out in
                try write(list.items[i], into: &out, level: level + 1)
            }
        case .dict(let dict):
            let pairs = dict.pairs
            try container("{", "}", pairs.count, into: &out, level: level) { i, out in
                out += JSONWriter.quote(pairs[i].0) + ": "
                try write(pairs[i].1, into: &out, level: level + 1)
            }
        default:
            throw RuntimeError("json.dump: \(value.typeName) values cannot be written as JSON")
        }
    }

    private func container(_ open: String, _ close: String, _ count: Int, into out: inout String, level: Int,
                           _ element: (Int, inout String) throws -> Void) throws {
        out += open
        guard count > 0 else { out += close; return }
        for i in 0..<count {
            if i > 0 { out += indent == nil ? ", " : "," }
            if let indent { out += "\n" + String(repeating: " ", count: indent * (level + 1)) }
            try element(i, &out)
        }
        if let indent { out += "\n" + String(repeating: " ", count: indent * level) }
        out += close
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
