/// Character classes used by the BERT normalizer / pre-tokenizer (`tokenizers` `BertNormalizer` + `BertPreTokenizer`) and the GPT-2
/// pre-tokenization pattern (`tokenizers` `ByteLevel` + `BPE`). ASCII is answered from a table; other scalars from the stdlib's
/// Unicode properties.
enum CharClass {
    private static let asciiFlags: [UInt8] = (0..<128).map { v -> UInt8 in
        var f: UInt8 = 0
        let s = Unicode.Scalar(UInt8(v))
        if s.properties.isWhitespace { f |= whitespaceBit }
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { f |= bertPunctBit }
        if (65...90).contains(v) || (97...122).contains(v) { f |= letterBit }
        if (48...57).contains(v) { f |= numberBit }
        if v < 32 || v == 127 { f |= controlBit }
        return f
    }
    private static let whitespaceBit: UInt8 = 1, bertPunctBit: UInt8 = 2, letterBit: UInt8 = 4
    private static let numberBit: UInt8 = 8, controlBit: UInt8 = 16

    /// Unicode White_Space (Rust `char::is_whitespace`, Oniguruma `\s`).
    @inline(__always) static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s.value < 128 ? asciiFlags[Int(s.value)] & whitespaceBit != 0 : s.properties.isWhitespace
    }

    /// General category C* (Cc, Cf, Cs, Co, Cn).
    static func isOther(_ s: Unicode.Scalar) -> Bool {
        if s.value < 128 { return asciiFlags[Int(s.value)] & controlBit != 0 }
        switch s.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    /// BERT punctuation: the four ASCII ranges 33-47, 58-64, 91-96, 123-126, or category P*.
    @inline(__always) static func isBertPunctuation(_ s: Unicode.Scalar) -> Bool {
        if s.value < 128 { return asciiFlags[Int(s.value)] & bertPunctBit != 0 }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    /// `\p{L}`: Lu, Ll, Lt, Lm, Lo.
    @inline(__always) static func isLetter(_ s: Unicode.Scalar) -> Bool {
        if s.value < 128 { return asciiFlags[Int(s.value)] & letterBit != 0 }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `\p{N}`: Nd, Nl, No.
    @inline(__always) static func isNumber(_ s: Unicode.Scalar) -> Bool {
        if s.value < 128 { return asciiFlags[Int(s.value)] & numberBit != 0 }
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// The CJK ideograph blocks BERT surrounds with spaces (`tokenizers` `BertNormalizer` + `BertPreTokenizer`).
    @inline(__always) static func isCJK(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x3400 { return false }
        return (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }
}
