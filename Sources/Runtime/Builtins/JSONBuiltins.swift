import Foundation
import Support

/// The `json` namespace: parse and dump JSON text (objects keep their key order), over `Support.JSON`.
enum JSONBuiltins {
    static var table: BuiltinTable {
        BuiltinTable(namespaces: [NamespaceTable("json", doc: "parse and dump JSON", functions: [
            Builtin("parse", [Param("text")], "parse(text): JSON text -> Dict/List/String/Int/Float/Bool/nil") {
                args in try JSONReader.parse(try args.string("text"))
            },
            Builtin("dump", [Param("value"), Param("indent", default: .null)],
                    "dump(value, indent: nil) -> String: JSON text (pretty-printed with an indent)") { args in
                .string(try JSONWriter(indent: try args.optionalInt("indent")).text(args.value("value")))
            },
        ])])
    }
}

/// JSON text to language values: integers without a fraction or exponent that fit in an Int become Ints,
/// other numbers Floats; objects become Dicts in file order (a repeated key keeps its last value).
enum JSONReader {
    static let maxDepth = 512

    static func parse(_ text: String) throws -> Value {
        let bytes = Array(text.utf8)
        do {
            return try value(JSON.parse(bytes, maxDepth: maxDepth))
        } catch let e as JSON.ParseError {
            throw RuntimeError("json.parse: \(e.message) at character \(e.character(in: bytes))")
        }
    }

    private static func value(_ json: JSON) throws -> Value {
        switch json {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .string(let s): return .string(s)
        case .number(let text):
            if !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let n = Int(text) { return .int(n) }
            guard let x = Double(text) else { throw RuntimeError("json.parse: the number \(text) is not representable") }
            return .float(x)
        case .array(let items): return .list(try items.map(value))
        case .object(let members):
            let dict = DictRef()
            for (key, item) in members { dict[key] = try value(item) }
            return .dict(dict)
        }
    }
}

/// Language values to JSON text: floats in their shortest round-trip form, dict keys in order; `indent` lays
/// each element on its own line (as Python's `json.dumps(indent:)`), nil keeps everything on one line.
struct JSONWriter {
    let indent: Int?

    func text(_ value: Value) throws -> String {
        try json(value, level: 0).rendered(indent.map { .indented($0) } ?? .inline)
    }

    func json(_ value: Value, level: Int) throws -> JSON {
        guard level <= JSONReader.maxDepth else {
            throw RuntimeError("json.dump: nested deeper than \(JSONReader.maxDepth) levels (a list containing itself?)")
        }
        switch value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let n): return .int(n)
        case .float(let x):
            guard x.isFinite else { throw RuntimeError("json.dump: \(x) is not valid JSON") }
            return .number("\(x)")
        case .string(let s): return .string(s)
        case .list(let list): return .array(try list.items.map { try json($0, level: level + 1) })
        case .dict(let dict): return .object(try dict.pairs.map { ($0.0, try json($0.1, level: level + 1)) })
        default:
            throw RuntimeError("json.dump: \(value.typeName) values cannot be written as JSON")
        }
    }
}
