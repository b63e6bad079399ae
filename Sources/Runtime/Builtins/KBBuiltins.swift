import Foundation
import Index
import KB
import Models
import Tensor

/// The `kb` namespace and the KB handle: raw KB ingest, passages, folders.
/// `k.encode(ctx_encoder, batch:)` encodes the passages with a DPR context encoder handle (KB's
/// `DPRPassageEncoder` over a snapshot of the encoder, so the live encoder's train/eval mode is untouched).
enum KBBuiltins {
    /// A progress reporter for long builtins, on standard error (a redrawn bar on a terminal, a line every
    /// 10 s otherwise), so a script's standard output stays its transcript. Jobs shorter than 2 s print nothing.
    static func progressReporter(label: String, unit: String) -> ProgressReporter {
        let stderr = FileHandle.standardError
        let p = ProgressReporter(label: label, unit: unit, style: isatty(2) != 0 ? .bar(width: 30) : .lines(every: 10)) {
            stderr.write(Data($0.utf8))
        }
        p.quietFor = 2
        return p
    }

    static var table: BuiltinTable {
        var type = HandleType(KnowledgeBase.self, name: "KB", doc: "a knowledge base: passages, embeddings, index",
                              describe: { describe($0 as! KnowledgeBase) })  // swiftlint:disable:this force_cast
        type.methods = [
            Builtin("passage", [Param("i")], "passage(i) -> Dict {id, title, text}: passage i (0-based)") { args in
                let kb = try args.receiver(as: KnowledgeBase.self)
                let i = try args.int("i")
                guard i >= 0 && i < kb.count else {
                    throw RuntimeError("\(args.function): passage \(i) out of range 0..<\(kb.count)")
                }
                return .dict(DictRef([("id", .int(i)), ("title", .string(kb.passages[i].title)), ("text", .string(kb.passages[i].text))]))
            },
            Builtin("encode", [Param("ctx_encoder"), Param("batch", default: .int(16)), Param("max_length", default: .null),
                               Param("progress", default: .bool(true)), ModelSupport.precisionParam],
                    "encode(ctx_encoder, batch: 16, max_length: nil, progress: true, precision: nil): embed every passage as a (title, text) pair with a DPR context encoder that has a tokenizer (eval mode, no gradient; pairs truncated to max_length tokens, default the tokenizer's model_max_length); progress with rate and ETA on standard error once it runs longer than 2 s; products in `precision` (\"bf16\" or \"float32\", nil = the session's); drops any index") { args in
                let kb = try args.receiver(as: KnowledgeBase.self)
                let box = try args.handle("ctx_encoder", as: EncoderBox.self, typeName: "DPREncoder")
                let tok = try box.requireTokenizer(args.function)
                let batch = try args.int("batch")
                guard (1...65536).contains(batch) else { throw RuntimeError("\(args.function): batch must be from 1 to 65536, got \(batch)") }
                let maxLength = try args.optionalInt("max_length")
                if let maxLength, !(2...box.encoder.config.maxPositionEmbeddings).contains(maxLength) {
                    throw RuntimeError("\(args.function): max_length must be in 2...\(box.encoder.config.maxPositionEmbeddings) (the encoder's max_position_embeddings), got \(maxLength)")
                }
                let progress = try args.bool("progress") ? progressReporter(label: "encoding KB", unit: "passages") : nil
                let interpreter = args.interpreter
                let precision = try ModelSupport.precisionArg(args)
                do {
                    let encoder = try DPRPassageEncoder(encoder: DPRPassageEncoder.snapshot(of: box.encoder), tokenizer: tok, maxLength: maxLength)
                    try ModelSupport.run(in: precision) {
                        try kb.encodeOnRanks(with: encoder, batchSize: batch, progress: progress, isCancelled: { interpreter.interruptCheck() })
                    }
                } catch KBError.cancelled {
                    throw RuntimeError.interrupted(at: nil)
                } catch {
                    throw RuntimeError("\(args.function): \(error)")
                }
                return .null
            },
            Builtin("save", [Param("path")], "save(path): write the KB folder (passages.tsv, embeddings, index.faiss, kb.json) atomically") { args in
                let kb = try args.receiver(as: KnowledgeBase.self)
                try wrap(args.function) { try kb.save(to: URL(fileURLWithPath: try args.string("path"))) }
                return .null
            }.writingOnRankZero(),
        ]
        type.properties = [
            Property("count", "number of passages") { .int(try kb($0).count) },
            Property("documents", "number of source documents read") { .int(try kb($0).manifest.documents) },
            Property("encoded", "true when embeddings are present") { .bool(try kb($0).embeddings != nil) },
            Property("embeddings", "the passage vectors as a Tensor [count, dimension] (a copy; error before encode)") { value in
                let k = try kb(value)
                guard let e = k.embeddings, let d = k.dimension else {
                    throw RuntimeError("KB.embeddings: the knowledge base is not encoded yet (k.encode(ctx_encoder) first)")
                }
                return .handle(try Tensor(shape: [k.count, d], scalars: e))
            },
        ]
        type.length = { ($0 as! KnowledgeBase).count }  // swiftlint:disable:this force_cast
        return BuiltinTable(namespaces: [NamespaceTable("kb", doc: "knowledge bases: ingest, load, save", functions: [
            Builtin("from_csv", [Param("path"), Param("words", default: .int(100)), Param("skip_malformed", default: .bool(false))],
                    "from_csv(path, words: 100, skip_malformed: false) -> KB: read the seed's tab-separated title/text file and split it into passages of `words` words") { args in
                let path = try args.string("path")
                let words = try args.int("words")
                let skip = try args.bool("skip_malformed")
                let out = args.interpreter.output
                return .handle(try wrap(args.function) {
                    try KnowledgeBase.fromRaw(URL(fileURLWithPath: path), format: .csv, wordsPerPassage: words,
                                              skipMalformed: skip, log: { out.write($0 + "\n") })
                })
            },
            Builtin("split_text", [Param("text"), Param("words", default: .int(100))],
                    "split_text(text, words: 100) -> List of Strings: the passages kb.from_csv cuts from one document's text (split on single spaces, every `words` words joined and stripped)") { args in
                let words = try args.int("words")
                guard words > 0 else { throw RuntimeError("\(args.function): words must be positive, got \(words)") }
                let passages = PassageSplitter.split([RawDocument(title: nil, text: try args.string("text"))], wordsPerPassage: words)
                return .list(passages.map { .string($0.text) })
            },
            Builtin("load", [Param("path")], "load(path) -> KB: a KB folder written by save") { args in
                .handle(try wrap(args.function) { try KnowledgeBase.load(from: URL(fileURLWithPath: try args.string("path"))) })
            },
        ])], handleTypes: [type])
    }

    static func describe(_ kb: KnowledgeBase) -> String {
        let state: String
        if let d = kb.dimension {
            state = "encoded, dimension \(d)" + (kb.manifest.index.map { ", \($0.kind) index" } ?? ", no index")
        } else {
            state = "not encoded"
        }
        return "KB(\(kb.manifest.documents) documents -> \(kb.count) passages, \(state))"
    }

    static func kb(_ value: Value) throws -> KnowledgeBase {
        guard case .handle(let object) = value, let kb = object as? KnowledgeBase else { throw RuntimeError("not a KB") }
        return kb
    }

    /// Runs a KB/Index call, turning its typed errors into runtime errors named after the builtin.
    static func wrap<T>(_ function: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as RuntimeError {
            throw error
        } catch {
            throw RuntimeError("\(function): \(error)")
        }
    }
}
