/// A token outside the model's algorithm (special tokens such as `[CLS]`, `<mask>`), matched verbatim in the
/// text before the model runs (`tokenizers` `BertNormalizer` + `BertPreTokenizer`, `tokenizers` `ByteLevel` + `BPE`; tokenizers' `AddedVocabulary`).
public struct AddedToken: Sendable, Equatable {
    public var id: Int
    public var content: String
    public var special: Bool
    /// Also consume whitespace immediately to the left / right of a match.
    public var lstrip: Bool
    public var rstrip: Bool
    /// Only match when not inside a word.
    public var singleWord: Bool
    /// Match on normalized text (true) or on the raw input (false, the usual for special tokens).
    public var normalized: Bool

    public init(id: Int, content: String, special: Bool = true, lstrip: Bool = false, rstrip: Bool = false,
                singleWord: Bool = false, normalized: Bool = false) {
        self.id = id
        self.content = content
        self.special = special
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.singleWord = singleWord
        self.normalized = normalized
    }
}

/// A piece of input after splitting out added tokens: model text, or one added token's id.
enum Segment {
    case text(Range<Int>)
    case added(Int)
}

/// Leftmost-longest matcher over one group of added tokens (all normalized or all raw).
extension AddedToken {
    /// Checks the added tokens of a tokenizer file against its vocabulary of `vocabularySize` ids: every id is
    /// in `0 ..< vocabularySize + added.count` (an added token reuses a vocabulary id or extends the table by at
    /// most one id per added token, so a file cannot ask for a 100-million-entry table), and no id is given to
    /// two different contents. Errors name the file, the token and its id.
    static func check(_ added: [AddedToken], vocabularySize: Int, file: String) throws {
        let limit = vocabularySize + added.count
        var byId: [Int: String] = [:]
        for t in added {
            guard t.id >= 0, t.id < limit else {
                throw TokenizerError.malformedFile(file: file, line: nil,
                    reason: "added token \(String(reflecting: t.content)) has id \(t.id), outside 0..<\(limit) (\(vocabularySize) vocabulary ids + \(added.count) added tokens)")
            }
            if let other = byId[t.id], other != t.content {
                throw TokenizerError.malformedFile(file: file, line: nil,
                    reason: "added tokens \(String(reflecting: other)) and \(String(reflecting: t.content)) share id \(t.id)")
            }
            byId[t.id] = t.content
        }
    }
}

struct AddedTokenMatcher: Sendable {
    private struct Pattern: Sendable {
        var scalars: [Unicode.Scalar]
        var token: AddedToken
    }
    /// Patterns grouped by first scalar, longest first.
    private let byFirst: [UInt32: [Pattern]]
    /// Fast pre-check: which ASCII scalars start a pattern, and whether any non-ASCII one does.
    private let asciiFirst: [Bool]
    private let anyNonASCIIFirst: Bool

    /// Tokens are searched for by their `content` (for `normalized` tokens the caller passes the
    /// normalized content, since they are matched in normalized text).
    init(_ tokens: [AddedToken]) {
        var map: [UInt32: [Pattern]] = [:]
        for t in tokens {
            let sc = Array(t.content.unicodeScalars)
            guard let f = sc.first else { continue }
            map[f.value, default: []].append(Pattern(scalars: sc, token: t))
        }
        for k in map.keys { map[k]!.sort { $0.scalars.count > $1.scalars.count } }
        byFirst = map
        asciiFirst = (0..<128).map { map[UInt32($0)] != nil }
        anyNonASCIIFirst = map.keys.contains { $0 >= 128 }
    }

    var isEmpty: Bool { byFirst.isEmpty }

    /// Splits `s[range]` into text segments and added-token segments, in order. Text segments may be empty
    /// only if the whole range is (an empty input yields one empty text segment).
    func split(_ s: [Unicode.Scalar], _ range: Range<Int>, into out: inout [Segment]) {
        if byFirst.isEmpty { out.append(.text(range)); return }
        var textStart = range.lowerBound
        var i = range.lowerBound
        var produced = false
        while i < range.upperBound {
            let v = s[i].value
            if v < 128 ? !asciiFirst[Int(v)] : !anyNonASCIIFirst { i += 1; continue }
            guard let candidates = byFirst[v], let p = candidates.first(where: { matches($0, s, i, range) }) else {
                i += 1
                continue
            }
            var matchStart = i
            var matchEnd = i + p.scalars.count
            if p.token.lstrip {
                while matchStart > textStart, CharClass.isWhitespace(s[matchStart - 1]) { matchStart -= 1 }
            }
            if p.token.rstrip {
                while matchEnd < range.upperBound, CharClass.isWhitespace(s[matchEnd]) { matchEnd += 1 }
            }
            if matchStart > textStart { out.append(.text(textStart..<matchStart)) }
            out.append(.added(p.token.id))
            produced = true
            i = matchEnd
            textStart = matchEnd
        }
        if textStart < range.upperBound || !produced { out.append(.text(textStart..<range.upperBound)) }
    }

    @inline(__always) private func matches(_ p: Pattern, _ s: [Unicode.Scalar], _ i: Int, _ range: Range<Int>) -> Bool {
        let n = p.scalars.count
        guard i + n <= range.upperBound else { return false }
        for k in 1..<max(n, 1) where s[i + k] != p.scalars[k] { return false }
        if p.token.singleWord {
            let isWordChar = { (c: Unicode.Scalar) in CharClass.isLetter(c) || CharClass.isNumber(c) || c == "_" }
            if i > range.lowerBound, isWordChar(s[i - 1]) { return false }
            if i + n < range.upperBound, isWordChar(s[i + n]) { return false }
        }
        return true
    }
}
