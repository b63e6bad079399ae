import Foundation

/// Trains a BERT WordPiece vocabulary from text files (one document or sentence per line), offline.
/// Words come from the BERT normalizer + pre-tokenizer; the alphabet is every character seen (the
/// `limitAlphabet` most frequent), a word's first character as itself and the others as `##c`; merges then
/// join the most frequent adjacent pieces (`a` + `##b` -> `ab`, `##a` + `##b` -> `##ab`) until the
/// vocabulary has `vocabSize` entries. Deterministic for a given input, options and size.
///
///     let tok = try WordPieceTrainer(vocabSize: 8000).train(files: [url])
public struct WordPieceTrainer: Sendable {
    public var vocabSize: Int
    public var minFrequency: Int
    public var lowercase: Bool
    public var stripAccents: Bool?
    public var limitAlphabet: Int
    /// First ids, in order; the roles are [PAD], [UNK], [CLS], [SEP], [MASK] by these names.
    public var specialTokens: [String]

    public init(vocabSize: Int, minFrequency: Int = 2, lowercase: Bool = true, stripAccents: Bool? = nil,
                limitAlphabet: Int = 1000, specialTokens: [String] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]) {
        self.vocabSize = vocabSize
        self.minFrequency = minFrequency
        self.lowercase = lowercase
        self.stripAccents = stripAccents
        self.limitAlphabet = limitAlphabet
        self.specialTokens = specialTokens
    }

    public func train(files: [URL]) throws -> Tokenizer {
        try train(lines: TrainingText.lines(files))
    }

    public func train(lines: [String]) throws -> Tokenizer {
        for t in ["[UNK]", "[CLS]", "[SEP]"] where !specialTokens.contains(t) {
            throw TokenizerError.training("WordPiece special tokens must include \(t)")
        }
        let normalizer = BertNormalizer(stripAccents: stripAccents, lowercase: lowercase)
        var wordCounts: [String: Int] = [:]
        var norm: [Unicode.Scalar] = []
        var ranges: [Range<Int>] = []
        for line in lines {
            norm.removeAll(keepingCapacity: true)
            ranges.removeAll(keepingCapacity: true)
            let scalars = Array(line.unicodeScalars)
            normalizer.normalize(scalars[...], into: &norm)
            PreTokenizer.splitBert(norm, 0..<norm.count, into: &ranges)
            for r in ranges {
                var v = String.UnicodeScalarView()
                v.append(contentsOf: norm[r])
                wordCounts[String(v), default: 0] += 1
            }
        }
        // Alphabet: the most frequent characters (ties by scalar value), each as initial and continuation.
        var charCounts: [Unicode.Scalar: Int] = [:]
        for (w, c) in wordCounts { for s in w.unicodeScalars { charCounts[s, default: 0] += c } }
        let kept = Set(charCounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.value < $1.key.value }
            .prefix(limitAlphabet).map(\.key))
        var alphabetSet = Set<String>()
        var words: [[String]] = []
        var counts: [Int] = []
        for (w, c) in wordCounts.sorted(by: { $0.key < $1.key }) {
            var pieces: [String] = []
            for (i, s) in w.unicodeScalars.enumerated() where kept.contains(s) {
                pieces.append(i == 0 ? String(Character(s)) : "##" + String(Character(s)))
            }
            guard !pieces.isEmpty else { continue }
            alphabetSet.formUnion(pieces)
            words.append(pieces)
            counts.append(c)
        }
        let vocab = try TrainingText.learn(specials: specialTokens, alphabet: alphabetSet.sorted(), words: words,
                                           counts: counts, vocabSize: vocabSize, minFrequency: minFrequency) { a, b in
            a + (b.utf8.starts(with: "##".utf8) ? String(decoding: b.utf8.dropFirst(2), as: UTF8.self) : b)
        }.vocab
        let model = try WordPieceModel(vocab: vocab, unkToken: "[UNK]", file: "<trained>")
        let id = { (t: String) in model.tokenToId[t]! }
        let names = SpecialTokenNames(pad: specialTokens.contains("[PAD]") ? "[PAD]" : nil, unk: "[UNK]", cls: "[CLS]",
                                      sep: "[SEP]", mask: specialTokens.contains("[MASK]") ? "[MASK]" : nil)
        return Tokenizer(model: .wordPiece(model), normalizer: normalizer, preTokenizer: .bert,
                         postProcessor: .bert(cls: ("[CLS]", id("[CLS]")), sep: ("[SEP]", id("[SEP]")), kind: .template),
                         decoder: .wordPiece(prefix: "##", cleanup: true),
                         addedTokens: specialTokens.map { AddedToken(id: id($0), content: $0) }, specialTokenNames: names,
                         modelMaxLength: 512, cleanUpTokenizationSpaces: Tokenizer.defaultCleanUp)
    }
}

/// Trains a byte-level BPE vocabulary (GPT-2 / RoBERTa / BART scheme) from text files, offline: words come
/// from the GPT-2 pre-tokenization pattern, the alphabet is all 256 byte characters, merges join the most
/// frequent adjacent symbols. Special tokens take the first ids (`<s>`=0, `<pad>`=1, `</s>`=2, `<unk>`=3,
/// `<mask>`=4 by default). Deterministic for a given input, options and size.
///
///     let tok = try BPETrainer(vocabSize: 8000).train(files: [url])
public struct BPETrainer: Sendable {
    public var vocabSize: Int
    public var minFrequency: Int
    public var addPrefixSpace: Bool
    public var specialTokens: [String]

    public init(vocabSize: Int, minFrequency: Int = 2, addPrefixSpace: Bool = false,
                specialTokens: [String] = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]) {
        self.vocabSize = vocabSize
        self.minFrequency = minFrequency
        self.addPrefixSpace = addPrefixSpace
        self.specialTokens = specialTokens
    }

    public func train(files: [URL]) throws -> Tokenizer {
        try train(lines: TrainingText.lines(files))
    }

    public func train(lines: [String]) throws -> Tokenizer {
        for t in ["<s>", "</s>"] where !specialTokens.contains(t) {
            throw TokenizerError.training("BPE special tokens must include \(t)")
        }
        let pre = PreTokenizer.byteLevel(addPrefixSpace: addPrefixSpace, useRegex: true)
        var wordCounts: [String: Int] = [:]
        var ranges: [Range<Int>] = []
        for line in lines {
            var scalars = Array(line.unicodeScalars)
            if addPrefixSpace, let f = scalars.first, f != " " { scalars.insert(" ", at: 0) }
            ranges.removeAll(keepingCapacity: true)
            pre.split(scalars, 0..<scalars.count, into: &ranges)
            for r in ranges {
                var v = String.UnicodeScalarView()
                v.append(contentsOf: scalars[r])
                wordCounts[String(v), default: 0] += 1
            }
        }
        let byteStrings = ByteTable.byteToScalar.map { String(Character($0)) }
        let alphabet = byteStrings.sorted()
        var words: [[String]] = []
        var counts: [Int] = []
        for (w, c) in wordCounts.sorted(by: { $0.key < $1.key }) {
            words.append(w.utf8.map { byteStrings[Int($0)] })
            counts.append(c)
        }
        let (vocab, merges) = try TrainingText.learn(specials: specialTokens, alphabet: alphabet, words: words,
                                                      counts: counts, vocabSize: vocabSize, minFrequency: minFrequency, combine: +)
        let vocabIndex = Dictionary(vocab.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let model = try BPEModel(vocab: vocab, merges: merges.map { (vocabIndex[$0]!, vocabIndex[$1]!) },
                                 unkId: specialTokens.contains("<unk>") ? vocabIndex["<unk>"] : nil, file: "<trained>")
        let has = { (t: String) in specialTokens.contains(t) ? t : nil }
        let names = SpecialTokenNames(pad: has("<pad>"), unk: has("<unk>"), cls: "<s>", sep: "</s>", bos: "<s>", eos: "</s>",
                                      mask: has("<mask>"))
        return Tokenizer(model: .bpe(model), normalizer: nil, preTokenizer: pre,
                         postProcessor: .roberta(cls: ("<s>", vocabIndex["<s>"]!), sep: ("</s>", vocabIndex["</s>"]!)),
                         decoder: .byteLevel,
                         addedTokens: specialTokens.map { AddedToken(id: vocabIndex[$0]!, content: $0, lstrip: $0 == "<mask>") },
                         specialTokenNames: names, modelMaxLength: 1024, cleanUpTokenizationSpaces: Tokenizer.defaultCleanUp)
    }
}

enum TrainingText {
    /// All lines of the files (invalid UTF-8 is an error naming file and line); empty lines dropped.
    static func lines(_ files: [URL]) throws -> [String] {
        guard !files.isEmpty else { throw TokenizerError.training("no training files") }
        var out: [String] = []
        for f in files {
            for line in try TextFile.readString(f).split(separator: "\n", omittingEmptySubsequences: true) {
                out.append(String(line))
            }
        }
        guard !out.isEmpty else { throw TokenizerError.training("the training files hold no text") }
        return out
    }

    /// Specials, then the alphabet, then merged symbols in merge order; merges as symbol strings.
    static func learn(specials: [String], alphabet: [String], words: [[String]], counts: [Int], vocabSize: Int,
                      minFrequency: Int, combine: (String, String) -> String) throws -> (vocab: [String], merges: [(String, String)]) {
        guard vocabSize > 0 else { throw TokenizerError.training("vocab_size must be positive, got \(vocabSize)") }
        guard Set(specials).count == specials.count else { throw TokenizerError.training("duplicate special tokens \(specials)") }
        let index = Dictionary(alphabet.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })
        var trainer = MergeTrainer(alphabet: alphabet, words: words.map { $0.map { index[$0]! } }, counts: counts)
        let specialSet = Set(specials)
        let clashes = alphabet.filter(specialSet.contains).count
        trainer.run(targetSymbols: vocabSize - specials.count + clashes, minFrequency: minFrequency, combine: combine)
        var vocab = specials
        vocab += trainer.symbols.filter { !specialSet.contains($0) }
        let merges = trainer.merges.map { (trainer.symbols[Int($0.0)], trainer.symbols[Int($0.1)]) }
        return (vocab, merges)
    }
}
