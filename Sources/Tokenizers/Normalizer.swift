import Foundation

/// BERT normalization (`tokenizers` `BertNormalizer` + `BertPreTokenizer`; tokenizers' `BertNormalizer`), applied per scalar in the
/// order of the Rust implementation: clean text, CJK spacing, accent stripping (NFD + drop `Mn`), lower-casing
/// (per-scalar full mapping, no context: Greek capital sigma always becomes σ).
public struct BertNormalizer: Sendable, Equatable {
    public var cleanText: Bool
    public var handleChineseChars: Bool
    /// nil: follow `lowercase` (the tokenizer.json / tokenizer_config.json `null`).
    public var stripAccents: Bool?
    public var lowercase: Bool

    public init(cleanText: Bool = true, handleChineseChars: Bool = true, stripAccents: Bool? = nil, lowercase: Bool = true) {
        self.cleanText = cleanText
        self.handleChineseChars = handleChineseChars
        self.stripAccents = stripAccents
        self.lowercase = lowercase
    }

    /// Normalizes `input`, appending to `out`.
    func normalize(_ input: ArraySlice<Unicode.Scalar>, into out: inout [Unicode.Scalar]) {
        let strip = stripAccents ?? lowercase
        out.reserveCapacity(out.count + input.count)
        for s in input {
            let v = s.value
            if v < 128 {  // ASCII fast path: no accents, no CJK
                if cleanText {
                    if v == 0 { continue }
                    if v == 9 || v == 10 || v == 13 { out.append(" "); continue }
                    if v < 32 || v == 127 { continue }
                }
                if lowercase, v >= 65, v <= 90 { out.append(Unicode.Scalar(v + 32)!); continue }
                out.append(s)
                continue
            }
            if cleanText {
                if v == 0xFFFD || CharClass.isOther(s) { continue }
                if CharClass.isWhitespace(s) { out.append(" "); continue }
            }
            if handleChineseChars, CharClass.isCJK(s) {
                out.append(" "); out.append(s); out.append(" ")
                continue
            }
            if strip {
                for d in Self.decomposition(of: s) where d.properties.generalCategory != .nonspacingMark {
                    appendLowercased(d, into: &out)
                }
            } else {
                appendLowercased(s, into: &out)
            }
        }
    }

    @inline(__always) private func appendLowercased(_ s: Unicode.Scalar, into out: inout [Unicode.Scalar]) {
        guard lowercase else { out.append(s); return }
        if s.value < 128 {
            out.append(s.value >= 65 && s.value <= 90 ? Unicode.Scalar(s.value + 32)! : s)
        } else if s.properties.changesWhenLowercased {
            out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
        } else {
            out.append(s)
        }
    }

    /// Canonical decomposition (NFD) of one scalar. Scalars that NFD leaves alone return themselves.
    static func decomposition(of s: Unicode.Scalar) -> [Unicode.Scalar] {
        if s.value < 0xC0 { return [s] }
        let d = String(Character(s)).decomposedStringWithCanonicalMapping.unicodeScalars
        return Array(d)
    }
}
