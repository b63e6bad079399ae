import Foundation
import Models
import NN
import Tensor
import Tokenizers

/// A DPR question or context encoder as a script value (`dpr.init_*`, `model.load`), with the optional
/// tokenizer that `encode` and `k.encode` use. The module is shared, never copied: a RAG model built from
/// this handle trains the same tensors, so `q.parameters()` shows the gradients of `r.loss(...)`.
final class EncoderBox {
    let encoder: DPREncoder
    var tokenizer: Tokenizer?

    init(_ encoder: DPREncoder, tokenizer: Tokenizer?) throws {
        self.encoder = encoder
        if let tokenizer { try ModelSupport.checkTokenizer(tokenizer, vocabSize: encoder.config.vocabSize, pad: encoder.config.padTokenId) }
        self.tokenizer = tokenizer
    }

    /// The tokenizer, or an error naming the call that needs one.
    func requireTokenizer(_ function: String) throws -> Tokenizer {
        guard let tokenizer else {
            throw RuntimeError("\(function): the \(encoder.kind) encoder has no tokenizer; pass tokenizer: to dpr.init_*/model.load or save one in the model folder")
        }
        return tokenizer
    }
}

/// A BART generator (`BartForConditionalGeneration`) as a script value, with its optional tokenizer.
final class BartBox {
    let model: BartModel
    var tokenizer: Tokenizer?

    init(_ model: BartModel, tokenizer: Tokenizer?) throws {
        self.model = model
        if let tokenizer { try ModelSupport.checkTokenizer(tokenizer, vocabSize: model.config.vocabSize, pad: model.config.padTokenId) }
        self.tokenizer = tokenizer
    }

    func requireTokenizer(_ function: String) throws -> Tokenizer {
        guard let tokenizer else {
            throw RuntimeError("\(function): the BART model has no tokenizer; pass tokenizer: to bart.init/model.load or save one in the model folder")
        }
        return tokenizer
    }
}

/// Helpers shared by the model and RAG builtins.
enum ModelSupport {
    /// A precision named in a script ("float32"/"fp32", "bf16"/"bfloat16").
    static func precision(_ name: String, function: String) throws -> Precision {
        guard let p = Precision(name: name) else {
            throw RuntimeError("\(function): unknown precision \"\(name)\"; one of \(Precision.names)")
        }
        return p
    }

    /// The `precision:` parameter of encode calls (nil = the session default, `set_precision`).
    static var precisionParam: Param { Param("precision", default: .null) }

    /// The call's `precision:` (nil when not given: the session default applies).
    static func precisionArg(_ args: CallArgs) throws -> Precision? {
        args.isNull("precision") ? nil : try precision(try args.string("precision"), function: args.function)
    }

    /// Runs `body` with products in `precision` (the thread's current setting when nil).
    static func run<R>(in precision: Precision?, _ body: () throws -> R) rethrows -> R {
        guard let precision else { return try body() }
        return try Precision.with(precision, body)
    }

    /// A tokenizer fits a model when all its ids are embeddable and it pads with the model's pad id.
    static func checkTokenizer(_ tok: Tokenizer, vocabSize: Int, pad: Int) throws {
        guard tok.vocabSize <= vocabSize else {
            throw ModelError.input("tokenizer has \(tok.vocabSize) ids but the model's vocab_size is \(vocabSize)")
        }
        guard tok.specialTokenIds.pad == pad else {
            throw ModelError.input("tokenizer pads with id \(tok.specialTokenIds.pad.map(String.init) ?? "none") but the model's pad_token_id is \(pad)")
        }
    }

    /// The optional `tokenizer:` argument.
    static func tokenizerArg(_ args: CallArgs) throws -> Tokenizer? {
        args.isNull("tokenizer") ? nil : try args.handle("tokenizer", as: Tokenizer.self, typeName: "Tokenizer")
    }

    /// A tokenizer saved in a model folder (tokenizer.json, vocab.txt or vocab.json + merges.txt), if any.
    static func folderTokenizer(_ folder: URL) throws -> Tokenizer? {
        let names = ["tokenizer.json", "vocab.txt", "vocab.json"]
        guard names.contains(where: { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }) else { return nil }
        return try Tokenizer.load(from: folder)
    }

    /// A script Dict of Hugging Face config keys as the JSON object `config.json` would hold, with
    /// `model_type` filled in (or checked). Going through JSON text gives exactly the types a file has.
    /// Generated rows as a List of Lists of Ints (`generate(..., ids: true)`).
    static func idRows(_ rows: [[Int]]) -> Value {
        .list(ListRef(rows.map { .list(ListRef($0.map { .int($0) })) }))
    }

    static func configJSON(_ args: CallArgs, _ name: String, modelType: String) throws -> [String: Any] {
        let dict = try args.dict(name)
        let text = try JSONWriter(indent: nil).text(.dict(dict))
        guard var json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw RuntimeError("\(args.function): \(name) must be a Dict of config keys")
        }
        if let given = json["model_type"] {
            guard given as? String == modelType else {
                throw RuntimeError("\(args.function): \(name)[\"model_type\"] is \(given), expected \"\(modelType)\"")
            }
        }
        json["model_type"] = modelType
        return json
    }

    /// A seed argument as the UInt64 the Models initialisers take.
    static func seed(_ args: CallArgs) throws -> UInt64 {
        let seed = try args.int("seed")
        guard seed >= 0 else { throw RuntimeError("\(args.function): seed must be >= 0, got \(seed)") }
        return UInt64(seed)
    }

    static func strings(_ args: CallArgs, _ name: String) throws -> [String] {
        if case .string(let s) = args.value(name) { return [s] }
        let items = try args.list(name)
        guard !items.isEmpty else { throw RuntimeError("\(args.function): \(name) must not be empty") }
        return try items.map { v in
            guard case .string(let s) = v else { throw RuntimeError("\(args.function): \(name) must be a String or a List of Strings") }
            return s
        }
    }

    /// `[B, L]` ids and mask of `texts` (padded to the longest row, truncated to `limit`).
    static func batch(_ tok: Tokenizer, _ texts: [String], limit: Int) throws -> (ids: IntTensor, mask: IntTensor) {
        let b = try tok.encodeBatch(texts, maxLength: limit, padding: .longest)
        let width = b.ids.first?.count ?? 0
        return (try IntTensor(shape: [texts.count, width], scalars: b.ids.flatMap { $0 }),
                try IntTensor(shape: [texts.count, width], scalars: b.attentionMask.flatMap { $0 }))
    }

    /// The module behind any model handle (DPREncoder, Bart, RAG), e.g. for an optimizer binding that
    /// takes a model; nil for other values.
    static func module(_ value: Value) -> Module? {
        guard case .handle(let object) = value else { return nil }
        switch object {
        case let box as EncoderBox: return box.encoder
        case let box as BartBox: return box.model
        case let box as RagBox: return box.model
        default: return nil
        }
    }

    // MARK: - Methods every module handle has

    /// `parameters()`, `named_parameters()`, `train()`, `eval()`, `zero_grad()` over the module `get` returns.
    static func moduleMethods(_ get: @escaping (CallArgs) throws -> Module) -> [Builtin] {
        [
            Builtin("parameters", [], "parameters() -> List of Tensors: the trainable tensors (shared with the model; `.grad` after backward), tied ones once") { args in
                .list(ListRef(try get(args).parameters().map { .handle($0) }))
            },
            Builtin("named_parameters", [], "named_parameters() -> Dict name -> Tensor: Hugging Face parameter names, registration order") { args in
                .dict(DictRef(try get(args).namedParameters().map { ($0.name, .handle($0.tensor)) }))
            },
            Builtin("train", [], "train(): training mode (dropout on)") { args in
                try get(args).train()
                return .null
            },
            Builtin("eval", [], "eval(): evaluation mode (dropout off); models start in this mode") { args in
                try get(args).eval()
                return .null
            },
            Builtin("zero_grad", [], "zero_grad(): clear the gradients of all parameters") { args in
                try get(args).zeroGrad()
                return .null
            },
        ]
    }

    static func moduleProperties(_ get: @escaping (Value) throws -> Module) -> [Property] {
        [
            Property("parameter_count", "number of trainable scalars") { .int(try get($0).parameterCount) },
            Property("training", "true in training mode") { .bool(try get($0).isTraining) },
        ]
    }
}
