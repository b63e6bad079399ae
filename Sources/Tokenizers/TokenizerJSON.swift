import Foundation

/// Reading a Hugging Face `tokenizer.json` (`tokenizers` `tokenizer.json` format). Supported components: models WordPiece and
/// BPE; normalizer BertNormalizer or null; pre-tokenizers BertPreTokenizer and ByteLevel; post-processors
/// TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel or null; decoders WordPiece, ByteLevel
/// or null. Anything else is an `unsupportedComponent` error naming the file and line.
extension Tokenizer {
    static func load(tokenizerJSON url: URL, config: TokenizerConfig) throws -> Tokenizer {
        let f = try JSONFile(url: url)
        let root = f.root
        let modelObj = try f.required(root, "model", [String: Any].self)
        let modelType = try f.optional(modelObj, "type", String.self, in: "model")
            ?? (modelObj["merges"] != nil ? "BPE" : "WordPiece")
        func unsupported(_ component: String, _ type: String) -> TokenizerError {
            .unsupportedComponent(file: f.path, line: TextFile.line(of: "\"\(type)\"", after: "\"\(component)\"", in: f.text),
                                  component: component, type: type)
        }
        func componentType(_ key: String) throws -> (String, [String: Any])? {
            guard let obj = try f.optional(root, key, [String: Any].self) else { return nil }
            return (try f.required(obj, "type", String.self, in: key), obj)
        }

        var added: [AddedToken] = []
        for case let t as [String: Any] in try f.optional(root, "added_tokens", [Any].self) ?? [] {
            added.append(AddedToken(
                id: try f.required(t, "id", Int.self, in: "added_tokens"),
                content: try f.required(t, "content", String.self, in: "added_tokens"),
                special: try f.optional(t, "special", Bool.self) ?? false,
                lstrip: try f.optional(t, "lstrip", Bool.self) ?? false,
                rstrip: try f.optional(t, "rstrip", Bool.self) ?? false,
                singleWord: try f.optional(t, "single_word", Bool.self) ?? false,
                normalized: try f.optional(t, "normalized", Bool.self) ?? false))
        }

        // Model
        let model: Model
        var names = SpecialTokenNames()
        switch modelType {
        case "WordPiece":
            let vocab = try f.denseVocab(try f.required(modelObj, "vocab", [String: Any].self, in: "model"), key: "vocab")
            let unk = try f.optional(modelObj, "unk_token", String.self) ?? "[UNK]"
            model = .wordPiece(try WordPieceModel(
                vocab: vocab, unkToken: unk,
                continuingSubwordPrefix: try f.optional(modelObj, "continuing_subword_prefix", String.self) ?? "##",
                maxInputCharsPerWord: try f.optional(modelObj, "max_input_chars_per_word", Int.self) ?? 100, file: f.path))
            names.unk = unk
        case "BPE":
            for (key, ok) in [("continuing_subword_prefix", { (v: Any) in (v as? String ?? "").isEmpty }),
                              ("end_of_word_suffix", { (v: Any) in (v as? String ?? "").isEmpty }),
                              ("byte_fallback", { (v: Any) in !((v as? Bool) ?? false) }),
                              ("dropout", { (v: Any) in v is NSNull || (v as? Double ?? 0) == 0 })] {
                if let v = modelObj[key], !ok(v) {
                    throw TokenizerError.unsupportedComponent(file: f.path, line: f.line(ofKey: key, after: "model"),
                                                              component: "BPE option", type: "\(key)=\(v)")
                }
            }
            let vocab = try f.denseVocab(try f.required(modelObj, "vocab", [String: Any].self, in: "model"), key: "vocab")
            let index = Dictionary(vocab.enumerated().map { ($1, $0) }, uniquingKeysWith: { _, last in last })
            var merges: [(Int, Int)] = []
            let mergesLine = f.line(ofKey: "merges", after: "model")
            for (i, entry) in (try f.required(modelObj, "merges", [Any].self, in: "model")).enumerated() {
                let parts: [String]
                if let s = entry as? String {
                    parts = s.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                } else if let pair = entry as? [String] {
                    parts = pair
                } else {
                    parts = []
                }
                guard parts.count == 2, let a = index[parts[0]], let b = index[parts[1]] else {
                    throw TokenizerError.malformedMerge(file: f.path, line: mergesLine, text: "merges[\(i)] = \(entry)")
                }
                merges.append((a, b))
            }
            let unk = try f.optional(modelObj, "unk_token", String.self)
            model = .bpe(try BPEModel(vocab: vocab, merges: merges, unkId: unk.flatMap { index[$0] }, file: f.path))
            names.unk = unk
        default:
            throw unsupported("model", modelType)
        }

        // Normalizer
        var normalizer: BertNormalizer?
        if let (type, obj) = try componentType("normalizer") {
            guard type == "BertNormalizer" else { throw unsupported("normalizer", type) }
            normalizer = BertNormalizer(
                cleanText: try f.optional(obj, "clean_text", Bool.self) ?? true,
                handleChineseChars: try f.optional(obj, "handle_chinese_chars", Bool.self) ?? true,
                stripAccents: try f.optional(obj, "strip_accents", Bool.self),
                lowercase: try f.optional(obj, "lowercase", Bool.self) ?? true)
        }

        // Pre-tokenizer (must fit the model: WordPiece <-> BertPreTokenizer, BPE <-> ByteLevel)
        guard let (preType, preObj) = try componentType("pre_tokenizer") else {
            throw TokenizerError.unsupportedComponent(file: f.path, line: f.line(ofKey: "pre_tokenizer"), component: "pre_tokenizer", type: "null")
        }
        let preTokenizer: PreTokenizer
        switch (preType, modelType) {
        case ("BertPreTokenizer", "WordPiece"): preTokenizer = .bert
        case ("ByteLevel", "BPE"):
            let fileSetting = try f.optional(preObj, "add_prefix_space", Bool.self) ?? true
            preTokenizer = .byteLevel(addPrefixSpace: config.addPrefixSpace ?? fileSetting,
                                      useRegex: try f.optional(preObj, "use_regex", Bool.self) ?? true)
        default: throw unsupported("pre_tokenizer", preType)
        }

        // Post-processor
        var template: Template?
        if let (type, obj) = try componentType("post_processor") {
            func pair(_ key: String) throws -> (String, Int) {
                let v = try f.required(obj, key, [Any].self, in: "post_processor")
                guard v.count == 2, let t = v[0] as? String, let id = v[1] as? Int else {
                    throw f.fail(key, "\"\(key)\" must be [token, id]", after: "post_processor")
                }
                return (t, id)
            }
            switch type {
            case "BertProcessing": template = .bert(cls: try pair("cls"), sep: try pair("sep"))
            case "RobertaProcessing": template = .roberta(cls: try pair("cls"), sep: try pair("sep"))
            case "TemplateProcessing": template = try parseTemplate(obj, f)
            case "ByteLevel": template = nil
            default: throw unsupported("post_processor", type)
            }
        }

        // Decoder
        let decoder: TokenDecoder
        if let (type, obj) = try componentType("decoder") {
            switch type {
            case "WordPiece":
                decoder = .wordPiece(prefix: try f.optional(obj, "prefix", String.self) ?? "##",
                                     cleanup: try f.optional(obj, "cleanup", Bool.self) ?? true)
            case "ByteLevel": decoder = .byteLevel
            default: throw unsupported("decoder", type)
            }
        } else {
            decoder = .none
        }

        // Special token roles: from the pipeline, then by conventional name, then the config files.
        let cls = template?.clsToken?.0, sep = template?.sepToken?.0
        let byName: (String) -> String? = { name in added.contains { $0.content == name } ? name : nil }
        if modelType == "WordPiece" {
            names.cls = cls ?? byName("[CLS]"); names.sep = sep ?? byName("[SEP]")
            names.pad = byName("[PAD]"); names.mask = byName("[MASK]")
        } else {
            names.bos = cls ?? byName("<s>"); names.eos = sep ?? byName("</s>")
            names.cls = names.bos; names.sep = names.eos
            names.pad = byName("<pad>"); names.mask = byName("<mask>"); names.unk = names.unk ?? byName("<unk>")
        }
        names.merge(config.names)
        switch model {
        case let .wordPiece(m): try AddedToken.check(added, vocabularySize: m.vocab.count, file: f.path)
        case let .bpe(m): try AddedToken.check(added, vocabularySize: m.vocab.count, file: f.path)
        }
        return Tokenizer(model: model, normalizer: normalizer, preTokenizer: preTokenizer, postProcessor: template,
                         decoder: decoder, addedTokens: added, specialTokenNames: names,
                         modelMaxLength: config.modelMaxLength,
                         cleanUpTokenizationSpaces: config.cleanUpTokenizationSpaces ?? cleanUpWhenUnset)
    }

    /// Tokenizers Ragtime trains clean up on decode, as transformers 4.20-4.40 (the research code's) did; their
    /// saved config says so explicitly.
    static let defaultCleanUp = true
    /// A tokenizer file that does not set `clean_up_tokenization_spaces` decodes without the clean-up, as
    /// transformers 5.x (the version the parity fixtures come from) reads such a file.
    static let cleanUpWhenUnset = false

    private static func parseTemplate(_ obj: [String: Any], _ f: JSONFile) throws -> Template {
        let specials = try f.optional(obj, "special_tokens", [String: Any].self) ?? [:]
        func pieces(_ key: String) throws -> [Template.Piece] {
            try (f.required(obj, key, [Any].self, in: "post_processor")).map { item in
                guard let item = item as? [String: Any] else { throw f.fail(key, "template item is not an object", after: "post_processor") }
                if let s = item["SpecialToken"] as? [String: Any], let name = s["id"] as? String {
                    guard let spec = specials[name] as? [String: Any], let ids = spec["ids"] as? [Int] else {
                        throw f.fail(key, "special token \(name) has no entry in special_tokens", after: "post_processor")
                    }
                    return .special(token: name, ids: ids, typeId: s["type_id"] as? Int ?? 0)
                }
                if let s = item["Sequence"] as? [String: Any], let name = s["id"] as? String, name == "A" || name == "B" {
                    return .sequence(first: name == "A", typeId: s["type_id"] as? Int ?? 0)
                }
                throw f.fail(key, "unsupported template item \(item)", after: "post_processor")
            }
        }
        return Template(kind: .template, single: try pieces("single"), pair: try pieces("pair"))
    }
}

extension SpecialTokenNames {
    /// Overrides every role `other` names.
    mutating func merge(_ other: SpecialTokenNames) {
        pad = other.pad ?? pad; unk = other.unk ?? unk; cls = other.cls ?? cls; sep = other.sep ?? sep
        bos = other.bos ?? bos; eos = other.eos ?? eos; mask = other.mask ?? mask
    }
}
