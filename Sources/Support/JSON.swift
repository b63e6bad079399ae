/// A JSON value (RFC 8259) whose object members keep their order, so files read back and written again stay in
/// the order they were written: the one JSON value type of the code base. Numbers keep their text, so readers
/// decide what a number may be (an `Int`, a non-negative size, a `Double`) and no precision is lost on the way.
///
/// Parsing (`JSON.parse`) is strict: the RFC's grammar for numbers and literals, no control characters inside
/// strings, surrogate escapes only in valid pairs, UTF-8 only, a nesting limit so hostile input cannot exhaust
/// the stack. Writing (`rendered`, `quote`) produces text every JSON reader accepts, Foundation's included.
public indirect enum JSON: Sendable {
    case null
    case bool(Bool)
    /// The number as written, e.g. `-2`, `0.25`, `1e-05`.
    case number(String)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func int(_ n: Int) -> JSON { .number(String(n)) }
    public static func optional(_ s: String?) -> JSON { s.map(JSON.string) ?? .null }

    /// Members of an object in order (nil for any other value).
    public var members: [(String, JSON)]? {
        if case let .object(m) = self { return m }
        return nil
    }
}

// MARK: - Writing

extension JSON {
    /// How `rendered` lays values out.
    public enum Layout: Sendable {
        /// One line: `[1, 2]`, `{"a": 1}`.
        case inline
        /// Each element on its own line, `indent` spaces a level: Python's `json.dumps(indent:)`.
        case indented(Int)
        /// Two spaces a level, but arrays of scalars on one line (`[0, 1]`): compact vocabularies and merges, as
        /// tokenizer files are written.
        case scalarArraysInline
    }

    /// The value as JSON text in `layout` (no trailing newline).
    public func rendered(_ layout: Layout = .inline) -> String {
        var out = ""
        render(into: &out, layout: layout, level: 0)
        return out
    }

    private func render(into out: inout String, layout: Layout, level: Int) {
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .number(text): out += text
        case let .string(s): Self.quote(s, into: &out)
        case let .array(items):
            let oneLine: Bool
            switch layout {
            case .inline: oneLine = true
            case .indented: oneLine = false
            case .scalarArraysInline: oneLine = items.allSatisfy(\.isScalar)
            }
            container("[", "]", items.count, oneLine: oneLine, into: &out, layout: layout, level: level) { i, out in
                items[i].render(into: &out, layout: layout, level: level + 1)
            }
        case let .object(members):
            let oneLine: Bool
            if case .inline = layout { oneLine = true } else { oneLine = false }
            container("{", "}", members.count, oneLine: oneLine, into: &out, layout: layout, level: level) { i, out in
                Self.quote(members[i].0, into: &out)
                out += ": "
                members[i].1.render(into: &out, layout: layout, level: level + 1)
            }
        }
    }

    private func container(_ open: String, _ close: String, _ count: Int, oneLine: Bool, into out: inout String,
                           layout: Layout, level: Int, _ element: (Int, inout String) -> Void) {
        out += open
        guard count > 0 else { out += close; return }
        let step: Int
        if case let .indented(n) = layout { step = n } else { step = 2 }
        for i in 0..<count {
            if i > 0 { out += oneLine ? ", " : "," }
            if !oneLine { out += "\n" + String(repeating: " ", count: step * (level + 1)) }
            element(i, &out)
        }
        if !oneLine { out += "\n" + String(repeating: " ", count: step * level) }
        out += close
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    /// `s` as a JSON string literal: `"` and `\` escaped, `\b \f \n \r \t` short, other control characters and
    /// the invisible ones some readers alter (DEL, C1 controls, U+2028/2029 line separators, U+FEFF, which
    /// Foundation drops at the start of a string) as `\u00XX`; everything else as UTF-8.
    public static func quote(_ s: String) -> String {
        var out = ""
        quote(s, into: &out)
        return out
    }

    public static func quote(_ s: String, into out: inout String) {
        out += "\""
        StringEscaping.escape(s, into: &out) { u in
            switch u {
            case "\"": return "\\\""
            case "\\": return "\\\\"
            case "\n": return "\\n"
            case "\r": return "\\r"
            case "\t": return "\\t"
            case "\u{08}": return "\\b"
            case "\u{0C}": return "\\f"
            default:
                let v = u.value
                let invisible = v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || v == 0x2028 || v == 0x2029 || v == 0xFEFF
                return invisible ? StringEscaping.unicodeEscape(u) : nil
            }
        }
        out += "\""
    }
}
