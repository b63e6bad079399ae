import Foundation
import Support

/// Saving (transformers `PreTrainedTokenizerFast` loading; `tokenizers` `tokenizer.json` format): tokenizer.json plus the classic files (vocab.txt, or vocab.json +
/// merges.txt), tokenizer_config.json and special_tokens_map.json, so transformers loads the directory
/// either way.
extension Tokenizer {
    /// The names a tokenizer save writes (either model kind); replaced together, other files kept.
    public static let fileNames: Set<String> = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                                                "vocab.txt", "vocab.json", "merges.txt"]

    /// Saves the tokenizer's files into `directory` atomically (AtomicFolder): a failed save leaves the
    /// folder as it was; other files in it (a model's) are kept.
    public func save(to directory: URL) throws {
        do {
            try AtomicFolder.update(directory, owns: Self.fileNames) { try writeFiles(into: $0) }
        } catch let failure as AtomicFolder.Failure {
            throw TokenizerError.io(path: failure.path, reason: failure.message)
        }
    }

    /// Writes the files into an existing folder (a save's staging folder).
    public func writeFiles(into directory: URL) throws {
        try TextFile.write(tokenizerJSON().rendered(.scalarArraysInline) + "\n", to: directory.appendingPathComponent("tokenizer.json"))
        try TextFile.write(configJSON().rendered(.scalarArraysInline) + "\n", to: directory.appendingPathComponent("tokenizer_config.json"))
        let map = JSON.object(specialTokenNames.entries.map { key, token in
            (key, addedTokens.first { $0.content == token }.map(Self.tokenObject) ?? .string(token))
        })
        try TextFile.write(map.rendered(.scalarArraysInline) + "\n", to: directory.appendingPathComponent("special_tokens_map.json"))
        switch model {
        case let .wordPiece(m):
            try TextFile.write(m.vocab.map { $0 + "\n" }.joined(), to: directory.appendingPathComponent("vocab.txt"))
        case let .bpe(m):
            let vocab = JSON.object(m.vocab.enumerated().map { ($1, .int($0)) })
            try TextFile.write(vocab.rendered(.scalarArraysInline) + "\n", to: directory.appendingPathComponent("vocab.json"))
            var merges = "#version: 0.2\n"
            for (a, b) in m.merges { merges += m.vocab[a] + " " + m.vocab[b] + "\n" }
            try TextFile.write(merges, to: directory.appendingPathComponent("merges.txt"))
        }
    }

    private static func tokenObject(_ t: AddedToken) -> JSON {
        .object([("content", .string(t.content)), ("single_word", .bool(t.singleWord)), ("lstrip", .bool(t.lstrip)),
                 ("rstrip", .bool(t.rstrip)), ("normalized", .bool(t.normalized)), ("special", .bool(t.special))])
    }

    func tokenizerJSON() -> JSON {
        let added = JSON.array(addedTokens.map { t in
            .object([("id", .int(t.id)), ("content", .string(t.content)), ("single_word", .bool(t.singleWord)),
                     ("lstrip", .bool(t.lstrip)), ("rstrip", .bool(t.rstrip)), ("normalized", .bool(t.normalized)),
                     ("special", .bool(t.special))])
        })
        let normalizerJSON: JSON = normalizer.map { n in
            .object([("type", .string("BertNormalizer")), ("clean_text", .bool(n.cleanText)),
                     ("handle_chinese_chars", .bool(n.handleChineseChars)),
                     ("strip_accents", n.stripAccents.map(JSON.bool) ?? .null), ("lowercase", .bool(n.lowercase))])
        } ?? .null
        let preJSON: JSON
        switch preTokenizer {
        case .bert: preJSON = .object([("type", .string("BertPreTokenizer"))])
        case let .byteLevel(prefix, regex):
            preJSON = .object([("type", .string("ByteLevel")), ("add_prefix_space", .bool(prefix)),
                               ("trim_offsets", .bool(true)), ("use_regex", .bool(regex))])
        }
        let decoderJSON: JSON
        switch decoder {
        case let .wordPiece(prefix, cleanup):
            decoderJSON = .object([("type", .string("WordPiece")), ("prefix", .string(prefix)), ("cleanup", .bool(cleanup))])
        case .byteLevel:
            decoderJSON = .object([("type", .string("ByteLevel")), ("add_prefix_space", .bool(true)),
                                   ("trim_offsets", .bool(true)), ("use_regex", .bool(true))])
        case .none: decoderJSON = .null
        }
        let modelJSON: JSON
        switch model {
        case let .wordPiece(m):
            modelJSON = .object([("type", .string("WordPiece")), ("unk_token", .string(m.unkToken)),
                                 ("continuing_subword_prefix", .string(m.continuingSubwordPrefix)),
                                 ("max_input_chars_per_word", .int(m.maxInputCharsPerWord)),
                                 ("vocab", .object(m.vocab.enumerated().map { ($1, .int($0)) }))])
        case let .bpe(m):
            modelJSON = .object([("type", .string("BPE")), ("dropout", .null),
                                 ("unk_token", m.unkId.map { .string(m.vocab[$0]) } ?? .null),
                                 ("continuing_subword_prefix", .null), ("end_of_word_suffix", .null),
                                 ("fuse_unk", .bool(false)), ("byte_fallback", .bool(false)), ("ignore_merges", .bool(false)),
                                 ("vocab", .object(m.vocab.enumerated().map { ($1, .int($0)) })),
                                 ("merges", .array(m.merges.map { .array([.string(m.vocab[$0.0]), .string(m.vocab[$0.1])]) }))])
        }
        return .object([("version", .string("1.0")), ("truncation", .null), ("padding", .null), ("added_tokens", added),
                        ("normalizer", normalizerJSON), ("pre_tokenizer", preJSON),
                        ("post_processor", postProcessor.map(templateJSON) ?? .null), ("decoder", decoderJSON),
                        ("model", modelJSON)])
    }

    private func templateJSON(_ t: Template) -> JSON {
        switch t.kind {
        case .bert, .roberta:
            let cls = t.clsToken ?? ("", 0), sep = t.sepToken ?? ("", 0)
            var entries: [(String, JSON)] = [
                ("type", .string(t.kind.rawValue)),
                ("sep", .array([.string(sep.0), .int(sep.1)])), ("cls", .array([.string(cls.0), .int(cls.1)])),
            ]
            if t.kind == .roberta { entries += [("trim_offsets", .bool(true)), ("add_prefix_space", .bool(addPrefixSpace))] }
            return .object(entries)
        case .template:
            var specials: [(String, JSON)] = []
            func items(_ pieces: [Template.Piece]) -> JSON {
                .array(pieces.map { p in
                    switch p {
                    case let .special(token, ids, typeId):
                        if !specials.contains(where: { $0.0 == token }) {
                            specials.append((token, .object([("id", .string(token)), ("ids", .array(ids.map(JSON.int))),
                                                             ("tokens", .array(ids.map { .string(self.token(for: $0) ?? token) }))])))
                        }
                        return .object([("SpecialToken", .object([("id", .string(token)), ("type_id", .int(typeId))]))])
                    case let .sequence(first, typeId):
                        return .object([("Sequence", .object([("id", .string(first ? "A" : "B")), ("type_id", .int(typeId))]))])
                    }
                })
            }
            let single = items(t.single), pair = items(t.pair)
            return .object([("type", .string("TemplateProcessing")), ("single", single), ("pair", pair),
                            ("special_tokens", .object(specials))])
        }
    }

    func configJSON() -> JSON {
        var entries: [(String, JSON)] = []
        switch model {
        case .wordPiece:
            entries.append(("tokenizer_class", .string("BertTokenizer")))
            let n = normalizer ?? BertNormalizer()
            entries += [("do_lower_case", .bool(n.lowercase)), ("strip_accents", n.stripAccents.map(JSON.bool) ?? .null),
                        ("tokenize_chinese_chars", .bool(n.handleChineseChars))]
        case .bpe:
            entries += [("tokenizer_class", .string("RobertaTokenizer")), ("add_prefix_space", .bool(addPrefixSpace)),
                        ("errors", .string("replace")), ("trim_offsets", .bool(true))]
        }
        entries += specialTokenNames.entries.map { ($0, .string($1)) }
        entries.append(("clean_up_tokenization_spaces", .bool(cleanUpTokenizationSpaces)))
        if let m = modelMaxLength { entries.append(("model_max_length", .int(m))) }
        entries.append(("added_tokens_decoder", .object(addedTokens.map { (String($0.id), Self.tokenObject($0)) })))
        return .object(entries)
    }
}
