/// Pre-tokenizers: split normalized scalars into words (ranges into the scalar array).
enum PreTokenizer: Sendable, Equatable {
    /// BERT (`tokenizers` `BertNormalizer` + `BertPreTokenizer`): split on whitespace (dropped), then isolate every punctuation character.
    case bert
    /// Byte-level (`tokenizers` `ByteLevel` + `BPE`): optional prefix space, then the GPT-2 pattern. Bytes are mapped later
    /// by the model.
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)

    /// Appends the word ranges of `s[range]` to `words`.
    func split(_ s: [Unicode.Scalar], _ range: Range<Int>, into words: inout [Range<Int>]) {
        switch self {
        case .bert: Self.splitBert(s, range, into: &words)
        case let .byteLevel(_, useRegex):
            if useRegex { Self.splitGPT2(s, range, into: &words) } else if !range.isEmpty { words.append(range) }
        }
    }

    static func splitBert(_ s: [Unicode.Scalar], _ range: Range<Int>, into words: inout [Range<Int>]) {
        var start = -1
        var i = range.lowerBound
        while i < range.upperBound {
            let c = s[i]
            if CharClass.isWhitespace(c) {
                if start >= 0 { words.append(start..<i); start = -1 }
            } else if CharClass.isBertPunctuation(c) {
                if start >= 0 { words.append(start..<i); start = -1 }
                words.append(i..<(i + 1))
            } else if start < 0 {
                start = i
            }
            i += 1
        }
        if start >= 0 { words.append(start..<range.upperBound) }
    }

    /// The GPT-2 pattern, evaluated by hand (first alternative that matches at a position wins):
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    static func splitGPT2(_ s: [Unicode.Scalar], _ range: Range<Int>, into words: inout [Range<Int>]) {
        let end = range.upperBound
        var i = range.lowerBound
        while i < end {
            let c = s[i]
            // 's 't 're 've 'm 'll 'd (lower-case only)
            if c == "'", i + 1 < end {
                let n = s[i + 1]
                if n == "s" || n == "t" || n == "m" || n == "d" { words.append(i..<(i + 2)); i += 2; continue }
                if i + 2 < end {
                    let n2 = s[i + 2]
                    if (n == "r" && n2 == "e") || (n == "v" && n2 == "e") || (n == "l" && n2 == "l") {
                        words.append(i..<(i + 3)); i += 3; continue
                    }
                }
            }
            // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`
            let j = (c == " " && i + 1 < end) ? i + 1 : i
            let first = s[j]
            if j > i || !CharClass.isWhitespace(first) {
                var k = j
                if CharClass.isLetter(first) {
                    while k < end, CharClass.isLetter(s[k]) { k += 1 }
                } else if CharClass.isNumber(first) {
                    while k < end, CharClass.isNumber(s[k]) { k += 1 }
                } else if !CharClass.isWhitespace(first) {
                    while k < end {
                        let x = s[k]
                        if CharClass.isWhitespace(x) || CharClass.isLetter(x) || CharClass.isNumber(x) { break }
                        k += 1
                    }
                }
                if k > j { words.append(i..<k); i = k; continue }
            }
            // `\s+(?!\S)` then `\s+`: a whitespace run leaves its last character to the next word.
            var k = i
            while k < end, CharClass.isWhitespace(s[k]) { k += 1 }
            if k < end, k - i > 1 { k -= 1 }
            words.append(i..<k)
            i = k
        }
    }
}
