/// Decoders: token strings back to text (`tokenizers` WordPiece decoder + transformers `clean_up_tokenization`; `tokenizers` `ByteLevel` decoder).
enum TokenDecoder: Sendable, Equatable {
    /// WordPiece (tokenizers >= 0.13): tokens after the first lose a leading prefix or get a space before
    /// them; with `cleanup`, each token gets the tokenization-space replacements (incl. " do not").
    case wordPiece(prefix: String, cleanup: Bool)
    /// Byte-level: concatenate, map characters back to bytes, decode UTF-8 lossily.
    case byteLevel
    /// No decoder in tokenizer.json: tokens joined with single spaces.
    case none

    func decode(_ tokens: [String]) -> String {
        switch self {
        case let .wordPiece(prefix, cleanup):
            var out = ""
            for (i, token) in tokens.enumerated() {
                var t: String
                if i == 0 {
                    t = token
                } else if !prefix.isEmpty, token.utf8.starts(with: prefix.utf8) {
                    t = String(decoding: token.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)
                } else {
                    t = " " + token
                }
                if cleanup { t = Cleanup.apply(t, rules: Cleanup.decoderRules) }
                out += t
            }
            return out
        case .byteLevel:
            var bytes: [UInt8] = []
            for token in tokens {
                let mark = bytes.count
                var ok = true
                for s in token.unicodeScalars {
                    guard let b = ByteTable.scalarToByte[s.value] else { ok = false; break }
                    bytes.append(b)
                }
                if !ok {  // a token outside the byte alphabet (an added token): its own UTF-8
                    bytes.removeSubrange(mark...)
                    bytes.append(contentsOf: token.utf8)
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        case .none:
            return tokens.joined(separator: " ")
        }
    }
}

/// The tokenization-space cleanups (`tokenizers` WordPiece decoder + transformers `clean_up_tokenization`): global, non-overlapping, left-to-right replacements.
enum Cleanup {
    /// tokenizers' WordPiece decoder `cleanup` (per token).
    static let decoderRules: [(String, String)] = [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
        (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ]
    /// transformers' `clean_up_tokenization` (whole string; no "do not" rule).
    static let transformersRules: [(String, String)] = [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
        (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ]

    /// Byte-level replacement (every pattern is ASCII, so this equals Python's code-point `str.replace`;
    /// Foundation's search would compare grapheme clusters instead).
    static func apply(_ s: String, rules: [(String, String)]) -> String {
        guard s.utf8.contains(0x20) else { return s }
        var bytes = Array(s.utf8)
        var changed = false
        for (from, to) in rules {
            let f = Array(from.utf8), t = Array(to.utf8)
            guard bytes.count >= f.count else { continue }
            var out: [UInt8] = []
            var i = 0, hit = false
            while i < bytes.count {
                if bytes[i] == f[0], i + f.count <= bytes.count, bytes[i..<(i + f.count)].elementsEqual(f) {
                    if !hit { out.reserveCapacity(bytes.count); out.append(contentsOf: bytes[0..<i]); hit = true }
                    out.append(contentsOf: t)
                    i += f.count
                } else {
                    if hit { out.append(bytes[i]) }
                    i += 1
                }
            }
            if hit { bytes = out; changed = true }
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : s
    }
}
