import Foundation

/// What tokenizer_config.json and special_tokens_map.json say (transformers `PreTrainedTokenizerFast` loading). Every field is optional:
/// nil means "the file does not say", and the loader applies the library default.
struct TokenizerConfig {
    var names = SpecialTokenNames()
    /// Flags of special tokens given as objects `{"content", "lstrip", ...}`, by content.
    var tokenFlags: [String: AddedToken] = [:]
    /// Every entry of tokenizer_config.json's `added_tokens_decoder` (id -> token), sorted by id.
    var addedTokensDecoder: [AddedToken] = []
    var doLowerCase: Bool?
    var stripAccents: Bool?
    var tokenizeChineseChars: Bool?
    var addPrefixSpace: Bool?
    var cleanUpTokenizationSpaces: Bool?
    var modelMaxLength: Int?
    var tokenizerClass: String?

    /// Reads the two files from `directory` when present (special_tokens_map.json first, then
    /// tokenizer_config.json, whose entries win).
    static func load(directory: URL) throws -> TokenizerConfig {
        var config = TokenizerConfig()
        let fm = FileManager.default
        let mapURL = directory.appendingPathComponent("special_tokens_map.json")
        if fm.fileExists(atPath: mapURL.path) { try config.readSpecialTokens(JSONFile(url: mapURL)) }
        let configURL = directory.appendingPathComponent("tokenizer_config.json")
        if fm.fileExists(atPath: configURL.path) {
            let f = try JSONFile(url: configURL)
            try config.readSpecialTokens(f)
            let r = f.root
            config.doLowerCase = try f.optional(r, "do_lower_case", Bool.self)
            config.stripAccents = try f.optional(r, "strip_accents", Bool.self)
            config.tokenizeChineseChars = try f.optional(r, "tokenize_chinese_chars", Bool.self)
            config.addPrefixSpace = try f.optional(r, "add_prefix_space", Bool.self)
            config.cleanUpTokenizationSpaces = try f.optional(r, "clean_up_tokenization_spaces", Bool.self)
            config.tokenizerClass = try f.optional(r, "tokenizer_class", String.self)
            // transformers writes a huge sentinel (1e30) when there is no limit.
            if let m = r["model_max_length"] as? NSNumber, m.doubleValue < 1e15 { config.modelMaxLength = m.intValue }
            if let decoder = r["added_tokens_decoder"] as? [String: Any] {
                for (idText, value) in decoder {
                    guard let id = Int(idText), let obj = value as? [String: Any],
                          let content = obj["content"] as? String else {
                        throw f.fail(idText, "malformed added_tokens_decoder entry", after: "added_tokens_decoder")
                    }
                    let token = AddedToken(
                        id: id, content: content, special: obj["special"] as? Bool ?? true,
                        lstrip: obj["lstrip"] as? Bool ?? false, rstrip: obj["rstrip"] as? Bool ?? false,
                        singleWord: obj["single_word"] as? Bool ?? false, normalized: obj["normalized"] as? Bool ?? false)
                    config.tokenFlags[content] = token
                    config.addedTokensDecoder.append(token)
                }
                config.addedTokensDecoder.sort { $0.id < $1.id }
            }
        }
        return config
    }

    private mutating func readSpecialTokens(_ f: JSONFile) throws {
        func value(_ key: String) throws -> String? {
            guard let v = f.root[key], !(v is NSNull) else { return nil }
            if let s = v as? String { return s }
            if let obj = v as? [String: Any], let content = obj["content"] as? String {
                tokenFlags[content] = AddedToken(
                    id: -1, content: content, special: true, lstrip: obj["lstrip"] as? Bool ?? false,
                    rstrip: obj["rstrip"] as? Bool ?? false, singleWord: obj["single_word"] as? Bool ?? false,
                    normalized: obj["normalized"] as? Bool ?? false)
                return content
            }
            throw f.fail(key, "\"\(key)\" must be a string or an object with \"content\"")
        }
        names.pad = try value("pad_token") ?? names.pad
        names.unk = try value("unk_token") ?? names.unk
        names.cls = try value("cls_token") ?? names.cls
        names.sep = try value("sep_token") ?? names.sep
        names.bos = try value("bos_token") ?? names.bos
        names.eos = try value("eos_token") ?? names.eos
        names.mask = try value("mask_token") ?? names.mask
    }
}
