import Foundation

/// Methods of String values (`"a,b".split(",")`).
enum StringBuiltins {
    static var table: BuiltinTable {
        BuiltinTable(typeMethods: [TypeMethods("String", methods: [
            method("upper", [], "upper() -> String") { s, _ in .string(s.uppercased()) },
            method("lower", [], "lower() -> String") { s, _ in .string(s.lowercased()) },
            method("strip", [], "strip() -> String: without leading/trailing whitespace") { s, _ in
                .string(s.trimmingCharacters(in: .whitespacesAndNewlines))
            },
            method("split", [Param("sep", default: .null)],
                   "split(sep: nil) -> List: on runs of whitespace, or on every `sep`") { s, args in
                if args.isNull("sep") {
                    return .list(s.split(whereSeparator: { $0.isWhitespace }).map { .string(String($0)) })
                }
                let sep = try args.string("sep")
                guard !sep.isEmpty else { throw RuntimeError("String.split: separator is empty") }
                return .list(s.components(separatedBy: sep).map { .string($0) })
            },
            method("join", [Param("items")], "join(items) -> String: items (as str) with this string between") {
                s, args in .string(try args.list("items").map(args.interpreter.str).joined(separator: s))
            },
            method("replace", [Param("old"), Param("new")], "replace(old, new) -> String") { s, args in
                let old = try args.string("old")
                guard !old.isEmpty else { throw RuntimeError("String.replace: 'old' is empty") }
                return .string(s.replacingOccurrences(of: old, with: try args.string("new")))
            },
            method("startswith", [Param("prefix")], "startswith(prefix) -> Bool") { s, args in
                .bool(s.hasPrefix(try args.string("prefix")))
            },
            method("endswith", [Param("suffix")], "endswith(suffix) -> Bool") { s, args in
                .bool(s.hasSuffix(try args.string("suffix")))
            },
            method("find", [Param("part")], "find(part) -> Int: index of the first occurrence, or -1") { s, args in
                guard let range = s.range(of: try args.string("part")) else { return .int(-1) }
                return .int(s.distance(from: s.startIndex, to: range.lowerBound))
            },
            method("pad", [Param("width"), Param("right", default: .bool(false))],
                   "pad(width, right: false) -> String: spaces added on the left (or right) up to width") {
                s, args in
                let fill = String(repeating: " ", count: max(0, try args.int("width") - s.count))
                return .string(try args.bool("right") ? s + fill : fill + s)
            },
        ])])
    }

    private static func method(_ name: String, _ params: [Param], _ doc: String,
                               _ body: @escaping (String, CallArgs) throws -> Value) -> Builtin {
        Builtin(name, params, doc) { args in
            guard case .string(let s) = args.receiver else { throw RuntimeError("\(args.function): not a String") }
            return try body(s, args)
        }
    }
}
