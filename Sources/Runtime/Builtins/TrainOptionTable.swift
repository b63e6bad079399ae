import Foundation
import NN
import Tensor
import Train

/// The options of `train.finetune` and `train.seq2seq`, declared once: each row names an option, says what it
/// does, reads its default from `RagFineTuneOptions()` (the Swift defaults, the research project's) and applies a
/// script value to the options. The builtins' parameters, their help text and the reading of a call all come
/// from this table, so a default cannot differ between them. Rows with `script` defaults (`log`, `on_refresh`,
/// `precision`, `fp16`) are the language's own and do not live in `RagFineTuneOptions`.
struct TrainOption {
    let name: String
    let doc: String
    let defaultValue: (RagFineTuneOptions) -> Value
    let apply: (inout RagFineTuneOptions, CallArgs) throws -> Void

    static func int(_ name: String, _ doc: String, _ key: WritableKeyPath<RagFineTuneOptions, Int>) -> TrainOption {
        TrainOption(name: name, doc: doc, defaultValue: { .int($0[keyPath: key]) }, apply: { $0[keyPath: key] = try $1.int(name) })
    }
    static func optionalInt(_ name: String, _ doc: String, _ key: WritableKeyPath<RagFineTuneOptions, Int?>) -> TrainOption {
        TrainOption(name: name, doc: doc, defaultValue: { $0[keyPath: key].map { .int($0) } ?? .null },
                    apply: { $0[keyPath: key] = try $1.optionalInt(name) })
    }
    static func double(_ name: String, _ doc: String, _ key: WritableKeyPath<RagFineTuneOptions, Double>) -> TrainOption {
        TrainOption(name: name, doc: doc, defaultValue: { .float($0[keyPath: key]) }, apply: { $0[keyPath: key] = try $1.double(name) })
    }
    static func optionalDouble(_ name: String, _ doc: String, _ key: WritableKeyPath<RagFineTuneOptions, Double?>) -> TrainOption {
        TrainOption(name: name, doc: doc, defaultValue: { $0[keyPath: key].map { .float($0) } ?? .null },
                    apply: { $0[keyPath: key] = try $1.optionalDouble(name) })
    }
    static func bool(_ name: String, _ doc: String, _ key: WritableKeyPath<RagFineTuneOptions, Bool>) -> TrainOption {
        TrainOption(name: name, doc: doc, defaultValue: { .bool($0[keyPath: key]) }, apply: { $0[keyPath: key] = try $1.bool(name) })
    }
    /// An enum option given as its raw string; an unknown string names the choices.
    static func choice<E: RawRepresentable & CaseIterable>(_ name: String, _ doc: String, _ key: WritableKeyPath<RagFineTuneOptions, E>) -> TrainOption
    where E.RawValue == String {
        TrainOption(name: name, doc: doc, defaultValue: { .string($0[keyPath: key].rawValue) }, apply: { o, args in
            let text = try args.string(name)
            guard let v = E(rawValue: text) else {
                throw RuntimeError("\(args.function): \(name) must be one of \(E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), got \"\(text)\"")
            }
            o[keyPath: key] = v
        })
    }
    /// An option of the language alone: a fixed default, read by the builtin itself.
    static func script(_ name: String, _ doc: String, _ value: Value) -> TrainOption {
        TrainOption(name: name, doc: doc, defaultValue: { _ in value }, apply: { _, _ in })
    }
}

extension TrainBuiltins {
    /// Every option after r/data/output, in the order of the seed's names, Ragtime's own last.
    static var optionTable: [TrainOption] { [
        .int("train_batch_size", "questions per micro-batch", \.trainBatchSize),
        .int("eval_batch_size", "questions per validation/test batch", \.evalBatchSize),
        .int("max_source_length", "question tokens kept", \.maxSourceLength),
        .int("max_target_length", "answer tokens kept in training", \.maxTargetLength),
        .int("val_max_target_length", "answer tokens kept and generated in validation", \.valMaxTargetLength),
        .int("test_max_target_length", "the same for the test split", \.testMaxTargetLength),
        .int("n_train", "training examples used (-1: all)", \.nTrain),
        .int("n_val", "validation examples used (-1: all)", \.nVal),
        .int("n_test", "test examples used (-1: all)", \.nTest),
        .double("label_smoothing", "epsilon of the loss (also saved in the model's config)", \.labelSmoothing),
        .optionalDouble("dropout", "generator dropout override (nil: the generator's own)", \.dropout),
        .optionalDouble("attention_dropout", "generator attention dropout override", \.attentionDropout),
        .optionalDouble("encoder_layerdrop", "generator encoder layer drop override", \.encoderLayerdrop),
        .optionalDouble("decoder_layerdrop", "generator decoder layer drop override", \.decoderLayerdrop),
        .double("learning_rate", "AdamW learning rate", \.trainer.learningRate),
        .double("weight_decay", "AdamW weight decay (not on biases and LayerNorm weights)", \.trainer.weightDecay),
        .double("adam_epsilon", "AdamW epsilon", \.trainer.adamEpsilon),
        .choice("lr_scheduler", "learning-rate schedule", \.trainer.schedule),
        .int("warmup_steps", "updates of linear warm-up", \.trainer.warmupSteps),
        .int("num_train_epochs", "epochs over the training split", \.trainer.maxEpochs),
        .optionalInt("max_steps", "stop after this many updates (nil: the epochs)", \.trainer.maxSteps),
        .int("gradient_accumulation_steps", "micro-batches per update", \.trainer.gradientAccumulationSteps),
        .optionalDouble("max_grad_norm", "gradient clipping norm (nil: none)", \.trainer.maxGradNorm),
        TrainOption(name: "seed", doc: "data order and dropout seed (>= 0)", defaultValue: { .int(Int($0.seed)) }, apply: { o, args in
            let seed = try args.int("seed")
            guard seed >= 0 else { throw RuntimeError("\(args.function): seed must be >= 0, got \(seed)") }
            o.seed = UInt64(seed)
        }),
        TrainOption(name: "prefix", doc: "text put before every source line", defaultValue: { $0.prefix.map { .string($0) } ?? .null },
                    apply: { o, args in o.prefix = args.isNull("prefix") ? nil : try args.string("prefix") }),
        .bool("end2end", "train the context encoder too (RAG only)", \.endToEnd),
        .optionalInt("indexing_freq", "refresh the KB every this many micro-batches (end2end)", \.trainer.indexingFrequency),
        .int("index_gpus", "shards of a KB re-encoding", \.indexShards),
        .choice("refresh", "background or synchronous KB refreshes", \.refreshMode),
        .optionalInt("val_check_interval", "validate every this many updates (nil: at the end)", \.trainer.validateEvery),
        .bool("do_predict", "evaluate the test split after training", \.doPredict),
        .optionalInt("num_beams", "beams of validation generation (nil: the generator's)", \.evalNumBeams),
        .bool("resume", "continue from the output's newest checkpoint", \.resume),
        .bool("overwrite_output", "a fresh run deletes the output's old checkpoints and metrics", \.overwriteOutput),
        .script("log", "progress and messages on standard error", .bool(true)),
        .int("progress_every", "a progress line every this many updates (0: none)", \.progressEvery),
        .script("on_refresh", "f(record) called after each KB refresh", .null),
        .script("precision", "\"bf16\" or \"float32\" products (nil: the session's)", .null),
        .script("fp16", "the seed's flag: bf16 products", .bool(false)),
    ] }

    /// The parameters the table gives a builtin (defaults from `RagFineTuneOptions()`).
    static var finetuneParams: [Param] {
        let defaults = RagFineTuneOptions()
        return optionTable.map { Param($0.name, default: $0.defaultValue(defaults)) }
    }

    /// One line per option for the help text: `name (default): what it does`.
    static var optionHelp: String {
        let defaults = RagFineTuneOptions()
        return optionTable.map { o -> String in
            let d = o.defaultValue(defaults)
            let shown: String
            switch d {
            case .null: shown = "nil"
            case .string(let s): shown = "\"\(s)\""
            case .bool(let b): shown = b ? "true" : "false"
            case .int(let n): shown = String(n)
            case .float(let x): shown = "\(x)"
            default: shown = "?"
            }
            return "\(o.name) \(shown): \(o.doc)"
        }.joined(separator: "; ")
    }

    /// The options of a `train.finetune` / `train.seq2seq` call (the named arguments, each replaced by the entry of
    /// the same name in `options:`), `log`, and `on_refresh` (nil when not given).
    static func options(_ call: CallArgs) throws -> (options: RagFineTuneOptions, log: Bool, onRefresh: Value?) {
        let args = try call.replacing(with: call.value("options"), argument: "options")
        var o = RagFineTuneOptions()
        for option in optionTable { try option.apply(&o, args) }
        // The seed's `fp16: true` means mixed precision: bfloat16 products here; `precision` names it directly.
        let named = args.isNull("precision") ? nil : try ModelSupport.precision(try args.string("precision"), function: args.function)
        if try args.bool("fp16"), let named, named != .bfloat16 {
            throw RuntimeError("\(args.function): fp16: true asks for bf16 products but precision is \"\(named.rawValue)\"")
        }
        o.trainer.precision = try args.bool("fp16") ? .bfloat16 : (named ?? Precision.sessionDefault)
        return (o, try args.bool("log"), args.isNull("on_refresh") ? nil : args.value("on_refresh"))
    }
}
