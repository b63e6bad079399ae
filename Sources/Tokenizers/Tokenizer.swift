import Foundation

/// A Hugging Face-compatible tokenizer: BERT WordPiece or byte-level BPE (Hugging Face `tokenizers`).
/// The pipeline is added-token split -> normalizer -> pre-tokenizer -> model -> truncation ->
/// post-processor (special tokens) -> padding; decoding runs the decoder and the optional cleanup.
/// Immutable after loading and safe to share between threads (the BPE word cache is locked).
public final class Tokenizer: Sendable, CustomStringConvertible {
    public enum ModelKind: String, Sendable { case wordPiece = "WordPiece", bytePairEncoding = "BPE" }

    enum Model: Sendable {
        case wordPiece(WordPieceModel)
        case bpe(BPEModel)
    }

    let model: Model
    let normalizer: BertNormalizer?
    let preTokenizer: PreTokenizer
    let postProcessor: Template?
    let decoder: TokenDecoder
    /// All added tokens, sorted by id.
    public let addedTokens: [AddedToken]
    private let rawMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher
    /// id -> token over the model vocabulary and the added tokens (holes are "").
    private let idToToken: [String]
    private let tokenToIdExtra: [String: Int]
    private let specialIdSet: Set<Int>
    /// Special token strings by role.
    public let specialTokenNames: SpecialTokenNames
    public let specialTokenIds: SpecialTokenIds
    /// `model_max_length` from tokenizer_config.json, if it was a real limit (not transformers' sentinel).
    public let modelMaxLength: Int?
    /// transformers' `clean_up_tokenization_spaces`, the default of `decode(_:cleanUpTokenizationSpaces:)`.
    public let cleanUpTokenizationSpaces: Bool

    init(model: Model, normalizer: BertNormalizer?, preTokenizer: PreTokenizer, postProcessor: Template?,
         decoder: TokenDecoder, addedTokens: [AddedToken], specialTokenNames: SpecialTokenNames,
         modelMaxLength: Int?, cleanUpTokenizationSpaces: Bool) {
        self.model = model
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.postProcessor = postProcessor
        self.decoder = decoder
        let added = addedTokens.sorted { $0.id < $1.id }
        self.addedTokens = added
        // A `normalized` added token is searched for, and decoded as, its normalized content (tokenizers
        // 0.23 keeps the normalized form in its id -> token map).
        let normalizedForm = { (content: String) -> String in
            guard let normalizer else { return content }
            var out: [Unicode.Scalar] = []
            normalizer.normalize(Array(content.unicodeScalars)[...], into: &out)
            var view = String.UnicodeScalarView()
            view.append(contentsOf: out)
            return String(view)
        }
        rawMatcher = AddedTokenMatcher(added.filter { !$0.normalized })
        normalizedMatcher = AddedTokenMatcher(added.filter(\.normalized).map { t in
            var n = t
            n.content = normalizedForm(t.content)
            return n
        })
        var table: [String]
        switch model {
        case let .wordPiece(m): table = m.vocab
        case let .bpe(m): table = m.vocab
        }
        var extra: [String: Int] = [:]
        for t in added {
            if t.id >= table.count { table += Array(repeating: "", count: t.id + 1 - table.count) }
            let shown = t.normalized ? normalizedForm(t.content) : t.content
            table[t.id] = shown
            extra[t.content] = t.id
            extra[shown] = t.id
        }
        idToToken = table
        tokenToIdExtra = extra
        specialIdSet = Set(added.filter(\.special).map(\.id))
        self.specialTokenNames = specialTokenNames
        self.modelMaxLength = modelMaxLength
        self.cleanUpTokenizationSpaces = cleanUpTokenizationSpaces
        let lookup: (String?) -> Int? = { name in
            guard let name else { return nil }
            if let id = extra[name] { return id }
            switch model {
            case let .wordPiece(m): return m.tokenToId[name]
            case let .bpe(m): return m.tokenToId[name]
            }
        }
        let n = specialTokenNames
        specialTokenIds = SpecialTokenIds(pad: lookup(n.pad), unk: lookup(n.unk), cls: lookup(n.cls), sep: lookup(n.sep),
                                          bos: lookup(n.bos), eos: lookup(n.eos), mask: lookup(n.mask))
    }

    /// The same tokenizer with the byte-level `add_prefix_space` option set (`tokenizers` `ByteLevel` + `BPE`). WordPiece
    /// tokenizers are returned unchanged.
    public func settingAddPrefixSpace(_ on: Bool) -> Tokenizer {
        guard case let .byteLevel(_, useRegex) = preTokenizer else { return self }
        return Tokenizer(model: model, normalizer: normalizer, preTokenizer: .byteLevel(addPrefixSpace: on, useRegex: useRegex),
                         postProcessor: postProcessor, decoder: decoder, addedTokens: addedTokens,
                         specialTokenNames: specialTokenNames, modelMaxLength: modelMaxLength,
                         cleanUpTokenizationSpaces: cleanUpTokenizationSpaces)
    }

    public var addPrefixSpace: Bool {
        if case let .byteLevel(on, _) = preTokenizer { return on }
        return false
    }

    public var modelKind: ModelKind {
        if case .wordPiece = model { return .wordPiece }
        return .bytePairEncoding
    }

    /// `Tokenizer(WordPiece, 30522 ids)` / `Tokenizer(byte-level BPE, 50265 ids)`.
    public var description: String {
        "Tokenizer(\(modelKind == .wordPiece ? "WordPiece" : "byte-level BPE"), \(vocabSize) ids)"
    }

    /// Number of ids (model vocabulary plus added tokens beyond it).
    public var vocabSize: Int { idToToken.count }

    public func id(for token: String) -> Int? {
        if let id = tokenToIdExtra[token] { return id }
        switch model {
        case let .wordPiece(m): return m.tokenToId[token]
        case let .bpe(m): return m.tokenToId[token]
        }
    }

    /// The token string of `id`, or nil outside the vocabulary.
    public func token(for id: Int) -> String? {
        id >= 0 && id < idToToken.count ? idToToken[id] : nil
    }

    /// Is `id` a special added token (dropped by `decode(_, skipSpecialTokens: true)`)?
    public func isSpecial(_ id: Int) -> Bool { specialIdSet.contains(id) }

    /// Number of special tokens `encode` adds for a single sequence or a pair.
    public func specialTokenCount(pair: Bool) -> Int { postProcessor?.addedCount(pair: pair) ?? 0 }

    // MARK: Encoding

    /// Ids of one text's content: no template special tokens, no truncation (`tokenizers` `BertNormalizer` + `BertPreTokenizer`, `tokenizers` `ByteLevel` + `BPE`).
    public func contentIds(_ text: String) -> [Int] {
        let scalars = Array(text.unicodeScalars)
        var segments: [Segment] = []
        rawMatcher.split(scalars, 0..<scalars.count, into: &segments)
        var ids: [Int] = []
        ids.reserveCapacity(scalars.count / 3)
        var words: [Range<Int>] = []
        var normalized: [Unicode.Scalar] = []
        var inner: [Segment] = []
        for segment in segments {
            switch segment {
            case let .added(id): ids.append(id)
            case let .text(range):
                // `normalized` added tokens are matched after normalization (on the raw text if none).
                let text: [Unicode.Scalar]
                let textRange: Range<Int>
                if let normalizer {
                    normalized.removeAll(keepingCapacity: true)
                    normalizer.normalize(scalars[range], into: &normalized)
                    text = normalized
                    textRange = 0..<normalized.count
                } else {
                    text = scalars
                    textRange = range
                }
                inner.removeAll(keepingCapacity: true)
                normalizedMatcher.split(text, textRange, into: &inner)
                for piece in inner {
                    switch piece {
                    case let .added(id): ids.append(id)
                    case let .text(r): encodeText(text, r, words: &words, ids: &ids)
                    }
                }
            }
        }
        return ids
    }

    /// Pre-tokenizes and runs the model over one text segment.
    private func encodeText(_ s: [Unicode.Scalar], _ range: Range<Int>, words: inout [Range<Int>], ids: inout [Int]) {
        var s = s
        var range = range
        if case .byteLevel(true, _) = preTokenizer, !range.isEmpty, s[range.lowerBound] != " " {
            // add_prefix_space: a non-empty segment gets a leading space unless it starts with U+0020.
            var withSpace: [Unicode.Scalar] = [" "]
            withSpace.append(contentsOf: s[range])
            s = withSpace
            range = 0..<withSpace.count
        }
        words.removeAll(keepingCapacity: true)
        preTokenizer.split(s, range, into: &words)
        switch model {
        case let .wordPiece(m): for w in words { m.tokenize(s, w, into: &ids) }
        case let .bpe(m): for w in words { m.tokenize(s, w, into: &ids) }
        }
    }

    /// Encodes a text (and optional pair). With `maxLength`, truncates `longest_first` so the result,
    /// special tokens included, has at most `maxLength` ids (`tokenizers` `BertProcessing`, truncation, padding); without it nothing is truncated.
    /// An empty `pair` counts as no pair, as in transformers (`text_pair=""` is falsy there).
    public func encode(_ text: String, pair: String? = nil, maxLength: Int? = nil, addSpecialTokens: Bool = true) -> Encoding {
        var a = contentIds(text)
        var b = pair.flatMap { $0.isEmpty ? nil : contentIds($0) }
        let template = addSpecialTokens ? postProcessor : nil
        if let maxLength {
            let budget = maxLength - (template?.addedCount(pair: b != nil) ?? 0)
            if let bb = b {
                let (k1, k2) = truncatedLengths(a.count, bb.count, budget: budget)
                a.removeSubrange(k1...)
                b!.removeSubrange(k2...)
            } else if a.count > max(0, budget) {
                a.removeSubrange(max(0, budget)...)
            }
        }
        var ids: [Int] = []
        var types: [Int] = []
        if let template {
            ids.reserveCapacity(a.count + (b?.count ?? 0) + 4)
            template.apply(a, b, ids: &ids, typeIds: &types)
        } else {
            ids = a + (b ?? [])
            types = Array(repeating: 0, count: a.count) + Array(repeating: 1, count: b?.count ?? 0)
        }
        return Encoding(ids: ids, tokenTypeIds: types, attentionMask: Array(repeating: 1, count: ids.count),
                        tokens: ids.map { idToToken[$0] })
    }

    /// Encodes many texts (and pairs, one per text), then pads (`tokenizers` `BertProcessing`, truncation, padding). Rows are encoded in parallel.
    /// The most tokens fixed padding may produce in one batch (64 Mi: far beyond any model's positions).
    public static let maxPaddedTokens = 1 << 26

    public func encodeBatch(_ texts: [String], pairs: [String]? = nil, maxLength: Int? = nil, padding: Padding = .longest,
                            addSpecialTokens: Bool = true) throws -> BatchEncoding {
        if let pairs, pairs.count != texts.count {
            throw TokenizerError.invalidArgument("encodeBatch: \(texts.count) texts but \(pairs.count) pairs")
        }
        var rows = [Encoding?](repeating: nil, count: texts.count)
        rows.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            let work: @Sendable (Int) -> Void = { i in
                out[i] = self.encode(texts[i], pair: pairs?[i], maxLength: maxLength, addSpecialTokens: addSpecialTokens)
            }
            if texts.count >= 32 {
                DispatchQueue.concurrentPerform(iterations: texts.count, execute: work)
            } else {
                for i in 0..<texts.count { work(i) }
            }
        }
        var encodings = rows.map { $0! }
        let target: Int
        switch padding {
        case .none: return BatchEncoding(encodings: encodings)
        case .longest: target = encodings.map(\.count).max() ?? 0
        case let .fixed(n):
            guard n <= Self.maxPaddedTokens / max(1, texts.count) else {
                throw TokenizerError.invalidArgument("encodeBatch: padding \(texts.count) rows to \(n) tokens; at most \(Self.maxPaddedTokens) tokens per batch")
            }
            target = n
        }
        let padId = specialTokenIds.pad ?? 0
        let padToken = specialTokenNames.pad ?? ""
        for i in encodings.indices where encodings[i].count < target {
            let extra = target - encodings[i].count
            encodings[i].ids += repeatElement(padId, count: extra)
            encodings[i].tokenTypeIds += repeatElement(0, count: extra)
            encodings[i].attentionMask += repeatElement(0, count: extra)
            encodings[i].tokens += repeatElement(padToken, count: extra)
        }
        return BatchEncoding(encodings: encodings)
    }

    // MARK: Decoding

    /// Decodes ids to text (`tokenizers` WordPiece decoder + transformers `clean_up_tokenization`, `tokenizers` `ByteLevel` decoder). `cleanUpTokenizationSpaces` nil uses the tokenizer's setting.
    /// Throws for an id outside the vocabulary.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = true, cleanUpTokenizationSpaces: Bool? = nil) throws -> String {
        var tokens: [String] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            guard id >= 0, id < idToToken.count else { throw TokenizerError.unknownId(id, vocabSize: idToToken.count) }
            if skipSpecialTokens, specialIdSet.contains(id) { continue }
            tokens.append(idToToken[id])
        }
        let text = decoder.decode(tokens)
        return cleanUpTokenizationSpaces ?? self.cleanUpTokenizationSpaces
            ? Cleanup.apply(text, rules: Cleanup.transformersRules) : text
    }

    /// `decode` of every row (transformers' `batch_decode`).
    public func decodeBatch(_ rows: [[Int]], skipSpecialTokens: Bool = true, cleanUpTokenizationSpaces: Bool? = nil) throws -> [String] {
        try rows.map { try decode($0, skipSpecialTokens: skipSpecialTokens, cleanUpTokenizationSpaces: cleanUpTokenizationSpaces) }
    }
}
