/// Escaping of text for a format (JSON strings, the language's string literals, TSV fields): the one loop; each
/// format gives only its rule, the replacement of the scalars it escapes (nil keeps a scalar as it is).
public enum StringEscaping {
    public static func escape(_ s: String, into out: inout String, _ replacement: (Unicode.Scalar) -> String?) {
        for u in s.unicodeScalars {
            if let r = replacement(u) { out += r } else { out.unicodeScalars.append(u) }
        }
    }

    public static func escape(_ s: String, _ replacement: (Unicode.Scalar) -> String?) -> String {
        var out = ""
        escape(s, into: &out, replacement)
        return out
    }

    /// `\uXXXX` (four lowercase hex digits) for a scalar below U+10000.
    public static func unicodeEscape(_ u: Unicode.Scalar) -> String {
        let hex = String(u.value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
