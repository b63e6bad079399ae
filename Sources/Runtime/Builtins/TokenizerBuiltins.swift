import Foundation
import Tokenizers

/// The `tokenizer` namespace and the `Tokenizer` handle type (docs/tokenizers.md):
///
///     tok = tokenizer.load("path/to/model")                      # tokenizer.json, vocab.txt, vocab.json+merges.txt
///     tok = tokenizer.train_wordpiece(["kb.csv"], vocab_size: 500)
///     tok = tokenizer.train_bpe(["kb.csv"], vocab_size: 500)
///     e = tok.encode("who?", pair: "passage", max_length: 32)    # {ids, attention_mask, token_type_ids, tokens}
///     b = tok.encode_batch(["a", "b c"], max_length: 8, padding: "longest")
///     tok.decode(e["ids"])                                       # special tokens skipped
///     tok.save("out/tok")
enum TokenizerBuiltins {
    static var table: BuiltinTable {
        BuiltinTable(
            namespaces: [NamespaceTable("tokenizer", doc: "load, train and save WordPiece / byte-level BPE tokenizers", functions: [
                Builtin("load", [Param("path")],
                        "load(path) -> Tokenizer: a folder (tokenizer.json, vocab.txt or vocab.json + merges.txt) or one of those files") { args in
                    .handle(try wrap(args.function) { try Tokenizer.load(from: URL(fileURLWithPath: try args.string("path"))) })
                },
                Builtin("train_wordpiece", [Param("files"), Param("vocab_size"), Param("min_frequency", default: .int(2)),
                                            Param("lowercase", default: .bool(true))],
                        "train_wordpiece(files, vocab_size: N, min_frequency: 2, lowercase: true) -> Tokenizer: BERT WordPiece from text files") { args in
                    let trainer = WordPieceTrainer(vocabSize: try args.int("vocab_size"), minFrequency: try args.int("min_frequency"),
                                                   lowercase: try args.bool("lowercase"))
                    let files = try paths(args)
                    return .handle(try wrap(args.function) { try trainer.train(files: files) })
                },
                Builtin("train_bpe", [Param("files"), Param("vocab_size"), Param("min_frequency", default: .int(2))],
                        "train_bpe(files, vocab_size: N, min_frequency: 2) -> Tokenizer: byte-level BPE (BART scheme) from text files") { args in
                    let trainer = BPETrainer(vocabSize: try args.int("vocab_size"), minFrequency: try args.int("min_frequency"))
                    let files = try paths(args)
                    return .handle(try wrap(args.function) { try trainer.train(files: files) })
                },
            ])],
            handleTypes: [handleType])
    }

    private static var handleType: HandleType {
        var type = HandleType(Tokenizer.self, name: "Tokenizer", doc: "a WordPiece or byte-level BPE tokenizer") { object in
            (object as? Tokenizer)?.description ?? "Tokenizer"
        }
        type.methods = [
            Builtin("encode", [Param("text"), Param("pair", default: .null), Param("max_length", default: .null),
                               Param("add_special_tokens", default: .bool(true))],
                    "encode(text, pair: nil, max_length: nil, add_special_tokens: true) -> Dict {ids, attention_mask, token_type_ids, tokens}") { args in
                let tok = try args.receiver(as: Tokenizer.self)
                let e = tok.encode(try args.string("text"), pair: args.isNull("pair") ? nil : try args.string("pair"),
                                   maxLength: try maxLength(args), addSpecialTokens: try args.bool("add_special_tokens"))
                return encodingDict(ids: e.ids, mask: e.attentionMask, types: e.tokenTypeIds, tokens: e.tokens.map { .string($0) })
            },
            Builtin("encode_batch", [Param("texts"), Param("pairs", default: .null), Param("max_length", default: .null),
                                     Param("padding", default: .string("longest"))],
                    "encode_batch(texts, pairs: nil, max_length: nil, padding: \"longest\") -> Dict of row lists; padding \"longest\", \"max_length\" or nil") { args in
                let tok = try args.receiver(as: Tokenizer.self)
                let texts = try strings(args, "texts")
                let pairs = args.isNull("pairs") ? nil : try strings(args, "pairs")
                let maxLength = try maxLength(args)
                let padding: Padding
                switch args.isNull("padding") ? "none" : try args.string("padding") {
                case "longest": padding = .longest
                case "max_length":
                    guard let m = maxLength else { throw RuntimeError("\(args.function): padding \"max_length\" needs max_length") }
                    padding = .fixed(m)
                case "none": padding = .none
                case let other: throw RuntimeError("\(args.function): padding must be \"longest\", \"max_length\" or nil, got \"\(other)\"")
                }
                let b = try wrap(args.function) { try tok.encodeBatch(texts, pairs: pairs, maxLength: maxLength, padding: padding) }
                let rows = { (m: [[Int]]) in Value.list(m.map { .list($0.map { .int($0) }) }) }
                return .dict(DictRef([("ids", rows(b.ids)), ("attention_mask", rows(b.attentionMask)),
                                      ("token_type_ids", rows(b.tokenTypeIds))]))
            },
            Builtin("decode", [Param("ids"), Param("skip_special_tokens", default: .bool(true)), Param("clean_up_tokenization_spaces", default: .null)],
                    "decode(ids, skip_special_tokens: true, clean_up_tokenization_spaces: nil) -> String; nil = the tokenizer's setting (docs/tokenizers.md)") { args in
                let tok = try args.receiver(as: Tokenizer.self)
                let ids = try args.list("ids").map { v -> Int in
                    guard case .int(let n) = v else { throw RuntimeError("\(args.function): ids must be a List of Ints") }
                    return n
                }
                let cleanUp: Bool? = args.isNull("clean_up_tokenization_spaces") ? nil : try args.bool("clean_up_tokenization_spaces")
                return .string(try wrap(args.function) {
                    try tok.decode(ids, skipSpecialTokens: try args.bool("skip_special_tokens"), cleanUpTokenizationSpaces: cleanUp)
                })
            },
            Builtin("save", [Param("path")], "save(path): write tokenizer.json, the classic vocab files and configs into a folder") { args in
                let tok = try args.receiver(as: Tokenizer.self)
                try wrap(args.function) { try tok.save(to: URL(fileURLWithPath: try args.string("path"))) }
                return .null
            }.writingOnRankZero(),
            Builtin("token", [Param("id")], "token(id) -> String or nil") { args in
                let tok = try args.receiver(as: Tokenizer.self)
                return tok.token(for: try args.int("id")).map { .string($0) } ?? .null
            },
            Builtin("id", [Param("token")], "id(token) -> Int or nil") { args in
                let tok = try args.receiver(as: Tokenizer.self)
                return tok.id(for: try args.string("token")).map { .int($0) } ?? .null
            },
        ]
        let idProperty = { (name: String, get: @escaping (SpecialTokenIds) -> Int?) in
            Property(name, "id of the \(name.dropLast(3)) special token, or nil") { v in
                guard case .handle(let o) = v, let tok = o as? Tokenizer else { return .null }
                return get(tok.specialTokenIds).map { .int($0) } ?? .null
            }
        }
        type.properties = [
            Property("vocab_size", "number of ids (vocabulary + added tokens)") { v in
                guard case .handle(let o) = v, let tok = o as? Tokenizer else { return .null }
                return .int(tok.vocabSize)
            },
            Property("kind", "\"WordPiece\" or \"BPE\"") { v in
                guard case .handle(let o) = v, let tok = o as? Tokenizer else { return .null }
                return .string(tok.modelKind.rawValue)
            },
            idProperty("pad_id") { $0.pad }, idProperty("unk_id") { $0.unk }, idProperty("cls_id") { $0.cls },
            idProperty("sep_id") { $0.sep }, idProperty("bos_id") { $0.bos }, idProperty("eos_id") { $0.eos },
            idProperty("mask_id") { $0.mask },
        ]
        return type
    }

    private static func encodingDict(ids: [Int], mask: [Int], types: [Int], tokens: [Value]) -> Value {
        .dict(DictRef([("ids", .list(ids.map { .int($0) })), ("attention_mask", .list(mask.map { .int($0) })),
                       ("token_type_ids", .list(types.map { .int($0) })), ("tokens", .list(tokens))]))
    }

    private static func maxLength(_ args: CallArgs) throws -> Int? {
        guard let m = try args.optionalInt("max_length") else { return nil }
        guard m > 0 else { throw RuntimeError("\(args.function): max_length must be positive, got \(m)") }
        return m
    }

    private static func strings(_ args: CallArgs, _ name: String) throws -> [String] {
        try args.list(name).map { v in
            guard case .string(let s) = v else { throw RuntimeError("\(args.function): \(name) must be a List of Strings") }
            return s
        }
    }

    private static func paths(_ args: CallArgs) throws -> [URL] {
        switch args.value("files") {
        case .string(let s): return [URL(fileURLWithPath: s)]
        default: return try strings(args, "files").map { URL(fileURLWithPath: $0) }
        }
    }

    /// Runs a Tokenizers call, turning its errors into a RuntimeError naming the builtin.
    private static func wrap<T>(_ function: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as TokenizerError {
            throw RuntimeError("\(function): \(error)")
        }
    }
}
