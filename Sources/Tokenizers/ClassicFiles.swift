import Foundation

/// Loading the "slow" file layouts (transformers `PreTrainedTokenizerFast` loading) into the same pipeline transformers converts them to
/// (`tokenizers` `tokenizer.json` format): vocab.txt -> BERT WordPiece; vocab.json + merges.txt -> byte-level BPE (RoBERTa/BART).
extension Tokenizer {
    /// Loads a tokenizer from a directory (tokenizer.json preferred, then vocab.txt, then vocab.json +
    /// merges.txt, with tokenizer_config.json / special_tokens_map.json when present) or from one file:
    /// a tokenizer.json, a vocab.txt, or a vocab.json (with merges.txt beside it). Config files are read
    /// from the file's directory.
    public static func load(from url: URL) throws -> Tokenizer {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: url.relativePath, isDirectory: &isDir) else {
            throw TokenizerError.io(path: url.relativePath, reason: "no such file or directory")
        }
        if !isDir.boolValue {
            let dir = url.deletingLastPathComponent()
            let config = try TokenizerConfig.load(directory: dir)
            if url.lastPathComponent == "vocab.json" {
                return try load(vocabJSON: url, merges: dir.appendingPathComponent("merges.txt"), config: config)
            }
            if url.pathExtension == "json" { return try load(tokenizerJSON: url, config: config) }
            return try load(vocabTxt: url, config: config)
        }
        let config = try TokenizerConfig.load(directory: url)
        let file = { (name: String) -> URL? in
            let u = url.appendingPathComponent(name)
            return fm.fileExists(atPath: u.path) ? u : nil
        }
        if let json = file("tokenizer.json") { return try load(tokenizerJSON: json, config: config) }
        if let vocab = file("vocab.txt") { return try load(vocabTxt: vocab, config: config) }
        if let vocab = file("vocab.json"), let merges = file("merges.txt") {
            return try load(vocabJSON: vocab, merges: merges, config: config)
        }
        throw TokenizerError.noTokenizerFiles(directory: url.relativePath)
    }

    /// vocab.txt: one token per line, id = 0-based line number, only the trailing "\n" removed.
    static func readVocabTxt(_ url: URL) throws -> [String] {
        let text = try TextFile.readString(url)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard !lines.isEmpty else { throw TokenizerError.emptyVocabulary(file: url.relativePath) }
        return lines
    }

    static func load(vocabTxt url: URL, config: TokenizerConfig) throws -> Tokenizer {
        let vocab = try readVocabTxt(url)
        var names = SpecialTokenNames(pad: "[PAD]", unk: "[UNK]", cls: "[CLS]", sep: "[SEP]", mask: "[MASK]")
        names.merge(config.names)
        let model = try WordPieceModel(vocab: vocab, unkToken: names.unk ?? "[UNK]", file: url.relativePath)
        let id = { (role: String, token: String?) throws -> Int in
            guard let token, let id = model.tokenToId[token] else {
                throw TokenizerError.missingToken(file: url.relativePath, token: token ?? "nil", role: role)
            }
            return id
        }
        let cls = try id("classification", names.cls), sep = try id("separator", names.sep)
        let lower = config.doLowerCase ?? true
        let normalizer = BertNormalizer(cleanText: true, handleChineseChars: config.tokenizeChineseChars ?? true,
                                        stripAccents: config.stripAccents, lowercase: lower)
        let added = specialAddedTokens(names, config: config) { model.tokenToId[$0] }
        try AddedToken.check(added, vocabularySize: model.vocab.count, file: url.deletingLastPathComponent().appendingPathComponent("tokenizer_config.json").path)
        return Tokenizer(model: .wordPiece(model), normalizer: normalizer, preTokenizer: .bert,
                         postProcessor: .bert(cls: (names.cls!, cls), sep: (names.sep!, sep), kind: .template),
                         decoder: .wordPiece(prefix: "##", cleanup: true), addedTokens: added, specialTokenNames: names,
                         modelMaxLength: config.modelMaxLength,
                         cleanUpTokenizationSpaces: config.cleanUpTokenizationSpaces ?? cleanUpWhenUnset)
    }

    /// merges.txt: an optional `#version` first line, then "A B" per line (rank = order). Empty lines are
    /// skipped; any other line without exactly two vocabulary symbols is an error naming the line.
    static func readMerges(_ url: URL, index: [String: Int]) throws -> [(Int, Int)] {
        let text = try TextFile.readString(url)
        var merges: [(Int, Int)] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || (i == 0 && line.hasPrefix("#version")) { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, let a = index[String(parts[0])], let b = index[String(parts[1])] else {
                throw TokenizerError.malformedMerge(file: url.relativePath, line: i + 1, text: String(line))
            }
            merges.append((a, b))
        }
        return merges
    }

    static func load(vocabJSON: URL, merges mergesURL: URL, config: TokenizerConfig) throws -> Tokenizer {
        let f = try JSONFile(url: vocabJSON)
        let vocab = try f.denseVocab(f.root, key: "")
        let index = Dictionary(vocab.enumerated().map { ($1, $0) }, uniquingKeysWith: { _, last in last })
        let merges = try readMerges(mergesURL, index: index)
        var names = SpecialTokenNames(pad: "<pad>", unk: "<unk>", cls: "<s>", sep: "</s>", bos: "<s>", eos: "</s>", mask: "<mask>")
        names.merge(config.names)
        var flags = config
        if let mask = names.mask, flags.tokenFlags[mask] == nil {  // RoBERTa/BART: <mask> swallows the space before it
            flags.tokenFlags[mask] = AddedToken(id: -1, content: mask, lstrip: true)
        }
        let model = try BPEModel(vocab: vocab, merges: merges, unkId: names.unk.flatMap { index[$0] }, file: vocabJSON.relativePath)
        guard let cls = names.cls.flatMap({ index[$0] }), let sep = names.sep.flatMap({ index[$0] }) else {
            throw TokenizerError.missingToken(file: vocabJSON.relativePath, token: "\(names.cls ?? "nil")/\(names.sep ?? "nil")", role: "cls/sep")
        }
        let added = specialAddedTokens(names, config: flags) { index[$0] }
        try AddedToken.check(added, vocabularySize: model.vocab.count, file: vocabJSON.deletingLastPathComponent().appendingPathComponent("tokenizer_config.json").path)
        return Tokenizer(model: .bpe(model), normalizer: nil,
                         preTokenizer: .byteLevel(addPrefixSpace: config.addPrefixSpace ?? false, useRegex: true),
                         postProcessor: .roberta(cls: (names.cls!, cls), sep: (names.sep!, sep)), decoder: .byteLevel,
                         addedTokens: added, specialTokenNames: names, modelMaxLength: config.modelMaxLength,
                         cleanUpTokenizationSpaces: config.cleanUpTokenizationSpaces ?? cleanUpWhenUnset)
    }

    /// The added tokens of a classic layout: every `added_tokens_decoder` entry of tokenizer_config.json
    /// (as transformers restores them), then the special tokens of `names` that exist in the vocabulary.
    private static func specialAddedTokens(_ names: SpecialTokenNames, config: TokenizerConfig,
                                           id: (String) -> Int?) -> [AddedToken] {
        var out = config.addedTokensDecoder
        var seen = Set(out.map(\.content))
        for (_, token) in names.entries where !seen.contains(token) {
            seen.insert(token)
            guard let tokenId = id(token) else { continue }
            var t = config.tokenFlags[token] ?? AddedToken(id: tokenId, content: token)
            t.id = tokenId
            t.special = true
            out.append(t)
        }
        return out
    }
}
