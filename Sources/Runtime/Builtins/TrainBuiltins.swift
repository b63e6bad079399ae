import Foundation
import KB
import Models
import NN
import Tensor
import Train

/// The `train` namespace (docs/train.md): the research project's fine-tune and evaluation of a RAG
/// handle, with the seed's option names and defaults (`finetune_rag.py`, `lightning_base.py`).
///
///     s = train.finetune(r, data: "test_dir/dummy-train-data", output: "out", end2end: true, indexing_freq: 3)
///     s["steps"]; s["val"]["val_avg_em"]; s["test"]["test_avg_em"]
///     m = train.evaluate(r, data: "test_dir/dummy-train-data", split: "test")
///
/// Progress lines and refresh/checkpoint messages go to standard error unless `log: false` (timings make
/// them nondeterministic); Ctrl-C (the interpreter's interrupt check, polled before every micro-batch) stops at
/// the next optimizer-step boundary and ends the statement as interrupted, naming the checkpoint to resume
/// from (the model keeps its trained weights). `r.kb` follows the end-to-end KB refreshes.
enum TrainBuiltins {
    /// Every option of `train.finetune` after r/data/output (the seed's names and defaults; Ragtime's own last).
    static var finetuneParams: [Param] { [
        Param("train_batch_size", default: .int(32)), Param("eval_batch_size", default: .int(32)),
        Param("max_source_length", default: .int(128)), Param("max_target_length", default: .int(25)),
        Param("val_max_target_length", default: .int(25)), Param("test_max_target_length", default: .int(25)),
        Param("n_train", default: .int(-1)), Param("n_val", default: .int(-1)), Param("n_test", default: .int(-1)),
        Param("label_smoothing", default: .float(0)), Param("dropout", default: .null), Param("attention_dropout", default: .null),
        Param("encoder_layerdrop", default: .null), Param("decoder_layerdrop", default: .null),
        Param("learning_rate", default: .float(5e-5)), Param("weight_decay", default: .float(0)), Param("adam_epsilon", default: .float(1e-8)),
        Param("lr_scheduler", default: .string("linear")), Param("warmup_steps", default: .int(0)),
        Param("num_train_epochs", default: .int(3)), Param("max_steps", default: .null),
        Param("gradient_accumulation_steps", default: .int(1)), Param("max_grad_norm", default: .float(1.0)),
        Param("seed", default: .int(42)), Param("prefix", default: .null),
        Param("end2end", default: .bool(false)), Param("indexing_freq", default: .null), Param("index_gpus", default: .int(1)),
        Param("refresh", default: .string("background")),
        Param("val_check_interval", default: .null), Param("do_predict", default: .bool(false)),
        Param("num_beams", default: .null), Param("resume", default: .bool(false)), Param("overwrite_output", default: .bool(false)),
        Param("log", default: .bool(true)), Param("progress_every", default: .int(1)),
        Param("on_refresh", default: .null), Param("precision", default: .null), Param("fp16", default: .bool(false)),
    ] }

    /// The option values of a call: the named arguments, with the entries of `options:` (same names)
    /// replacing them. Unknown keys are errors naming them.
    struct Options {
        let function: String
        var values: [String: Value] = [:]

        init(_ args: CallArgs, names: [String]) throws {
            function = args.function
            for n in names { values[n] = args.value(n) }
            if case .dict(let d) = args.value("options") {
                for (k, v) in d.pairs {
                    guard values[k] != nil else {
                        throw RuntimeError("\(args.function): unknown option '\(k)' in options; known: \(names.joined(separator: ", "))")
                    }
                    values[k] = v
                }
            } else if !args.isNull("options") {
                throw RuntimeError("\(args.function): options must be a Dict of option names, got \(args.value("options").typeName)")
            }
        }

        func bad(_ n: String, _ what: String) -> RuntimeError {
            RuntimeError("\(function): option '\(n)' must be \(what), got \(values[n]?.typeName ?? "nothing")")
        }
        func isNull(_ n: String) -> Bool { if case .null = values[n] ?? .null { return true }; return false }
        func int(_ n: String) throws -> Int {
            switch values[n] {
            case .int(let v): return v
            case .float(let x) where x == x.rounded() && abs(x) < 1e15: return Int(x)
            default: throw bad(n, "an Int")
            }
        }
        func double(_ n: String) throws -> Double {
            switch values[n] {
            case .int(let v): return Double(v)
            case .float(let x): return x
            default: throw bad(n, "a number")
            }
        }
        func bool(_ n: String) throws -> Bool { guard case .bool(let b) = values[n] else { throw bad(n, "a Bool") }; return b }
        func string(_ n: String) throws -> String { guard case .string(let s) = values[n] else { throw bad(n, "a String") }; return s }
        func optionalInt(_ n: String) throws -> Int? { isNull(n) ? nil : try int(n) }
        func optionalDouble(_ n: String) throws -> Double? { isNull(n) ? nil : try double(n) }
        func optionalString(_ n: String) throws -> String? { isNull(n) ? nil : try string(n) }
    }

    /// The options of a `train.finetune` / `train.seq2seq` call, `log`, and `on_refresh` (nil when not given).
    static func options(_ args: CallArgs) throws -> (options: RagFineTuneOptions, log: Bool, onRefresh: Value?) {
        let a = try Options(args, names: finetuneParams.map(\.name))
        var o = RagFineTuneOptions()
        o.trainBatchSize = try a.int("train_batch_size")
        o.evalBatchSize = try a.int("eval_batch_size")
        o.maxSourceLength = try a.int("max_source_length")
        o.maxTargetLength = try a.int("max_target_length")
        o.valMaxTargetLength = try a.int("val_max_target_length")
        o.testMaxTargetLength = try a.int("test_max_target_length")
        o.nTrain = try a.int("n_train")
        o.nVal = try a.int("n_val")
        o.nTest = try a.int("n_test")
        o.labelSmoothing = try a.double("label_smoothing")
        o.dropout = try a.optionalDouble("dropout")
        o.attentionDropout = try a.optionalDouble("attention_dropout")
        o.encoderLayerdrop = try a.optionalDouble("encoder_layerdrop")
        o.decoderLayerdrop = try a.optionalDouble("decoder_layerdrop")
        o.trainer.learningRate = try a.double("learning_rate")
        o.trainer.weightDecay = try a.double("weight_decay")
        o.trainer.adamEpsilon = try a.double("adam_epsilon")
        let scheduler = try a.string("lr_scheduler")
        guard let kind = LRSchedule.Kind(rawValue: scheduler) else {
            throw RuntimeError("\(args.function): unknown lr_scheduler '\(scheduler)'; one of \(LRSchedule.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        o.trainer.schedule = kind
        o.trainer.warmupSteps = try a.int("warmup_steps")
        o.trainer.maxEpochs = try a.int("num_train_epochs")
        o.trainer.maxSteps = try a.optionalInt("max_steps")
        o.trainer.gradientAccumulationSteps = try a.int("gradient_accumulation_steps")
        o.trainer.maxGradNorm = try a.double("max_grad_norm")
        let seed = try a.int("seed")
        guard seed >= 0 else { throw RuntimeError("\(args.function): seed must be >= 0, got \(seed)") }
        o.seed = UInt64(seed)
        o.prefix = try a.optionalString("prefix")
        o.endToEnd = try a.bool("end2end")
        o.trainer.indexingFrequency = try a.optionalInt("indexing_freq")
        o.indexShards = try a.int("index_gpus")
        let refresh = try a.string("refresh")
        guard let mode = RagFineTuneOptions.RefreshMode(rawValue: refresh) else {
            throw RuntimeError("\(args.function): refresh must be \"background\" or \"synchronous\", got \"\(refresh)\"")
        }
        o.refreshMode = mode
        o.trainer.validateEvery = try a.optionalInt("val_check_interval")
        o.doPredict = try a.bool("do_predict")
        o.evalNumBeams = try a.optionalInt("num_beams")
        o.resume = try a.bool("resume")
        o.overwriteOutput = try a.bool("overwrite_output")
        o.progressEvery = try a.int("progress_every")
        // The seed's `fp16: true` means mixed precision: bfloat16 products here; `precision` names it directly.
        let named = try a.optionalString("precision").map { try ModelSupport.precision($0, function: args.function) }
        if try a.bool("fp16"), let named, named != .bfloat16 {
            throw RuntimeError("\(args.function): fp16: true asks for bf16 products but precision is \"\(named.rawValue)\"")
        }
        o.trainer.precision = try a.bool("fp16") ? .bfloat16 : (named ?? Precision.sessionDefault)
        return (o, try a.bool("log"), a.isNull("on_refresh") ? nil : a.values["on_refresh"])
    }

    static var table: BuiltinTable {
        BuiltinTable(namespaces: [NamespaceTable("train", doc: "RAG fine-tuning and evaluation (the research project's finetune_rag.py)", functions: [
            Builtin("finetune", [Param("r"), Param("data"), Param("output")] + finetuneParams + [Param("options", default: .null)],
                    "finetune(r, data: dir, output: dir, ...) -> Dict: fine-tune RAG on data/{train,val}.source/.target with the seed's options and defaults (train_batch_size 32, learning_rate 5e-5, lr_scheduler linear, num_train_epochs 3, max_grad_norm 1.0, seed 42, end2end false, ...); metrics.json, curves.svg and checkpoints in output. `options:` takes a Dict of the same names (its entries replace the named arguments). Returns {steps, cancelled, last_loss, losses, refreshes, checkpoints, val, test, allreduce_seconds (under mpirun: time in the gradient allreduce)}") { args in
                try finetune(args)
            },
            Builtin("evaluate", [Param("r"), Param("data"), Param("split", default: .string("test")), Param("eval_batch_size", default: .int(32)),
                                 Param("max_source_length", default: .int(128)), Param("max_target_length", default: .int(25)),
                                 Param("n_obs", default: .int(-1)), Param("num_beams", default: .null), Param("prefix", default: .null),
                                 Param("answers", default: .null), Param("gold", default: .null), Param("predictions", default: .bool(false))],
                    "evaluate(r, data: dir, split: \"test\", eval_batch_size: 32, max_source_length: 128, max_target_length: 25, n_obs: -1, num_beams: nil, prefix: nil, answers: nil, gold: nil) -> Dict: {split}_avg_loss, {split}_avg_em, {split}_avg_gen_time, {split}_avg_gen_len, + {split}_squad_em/_squad_f1 (x100, any answer) with an answers file (answers: path, else data/{split}.answers.jsonl; .jsonl = a JSON list per line, else one answer per line) and {split}_recall_at_{n_docs} with gold titles (gold: path, else data/{split}.gold; tab-separated titles per line); predictions: true adds the decoded predictions (List, file order). Progress on standard error once it runs 2 s; Ctrl-C stops it") { args in
                let box = try RagBuiltins.box(args.value("r"))
                var o = RagFineTuneOptions()
                o.evalBatchSize = try args.int("eval_batch_size")
                o.maxSourceLength = try args.int("max_source_length")
                (o.valMaxTargetLength, o.testMaxTargetLength) = (try args.int("max_target_length"), try args.int("max_target_length"))
                (o.nVal, o.nTest) = (try args.int("n_obs"), try args.int("n_obs"))
                o.evalNumBeams = try args.optionalInt("num_beams")
                o.prefix = args.isNull("prefix") ? nil : try args.string("prefix")
                let split = try args.string("split")
                let data = URL(fileURLWithPath: try args.string("data"))
                let answers = args.isNull("answers") ? nil : URL(fileURLWithPath: try args.string("answers"))
                let gold = args.isNull("gold") ? nil : URL(fileURLWithPath: try args.string("gold"))
                let interpreter = args.interpreter
                let progress = KBBuiltins.progressReporter(label: "evaluating \(split)", unit: "questions")
                let result: RagEvaluation.Result
                do {
                    result = try RagEvaluation.evaluateWithPredictions(box.model, data: data, split: split, options: o, answers: answers, gold: gold,
                                                                       progress: progress, isCancelled: { interpreter.interruptCheck() })
                } catch TrainError.cancelled {
                    throw RuntimeError.interrupted(at: nil)
                } catch {
                    throw RuntimeError("\(args.function): \(error)")
                }
                let out = dict(result.record)
                if try args.bool("predictions"), case .dict(let d) = out { d["predictions"] = .list(result.predictions.map { .string($0) }) }
                return out
            },
            seq2seqBuiltin,
        ] + metricsBuiltins)])
    }

    static func finetune(_ args: CallArgs) throws -> Value {
        let box = try RagBuiltins.box(args.value("r"))
        let (o, verbose, onRefresh) = try options(args)
        let data = URL(fileURLWithPath: try args.string("data")), output = URL(fileURLWithPath: try args.string("output"))
        let ft = try KBBuiltins.wrap(args.function) { try RagFineTune(model: box.model, data: data, output: output, options: o) }
        let stderr = FileHandle.standardError
        if verbose {
            ft.log = { stderr.write(Data(($0 + "\n").utf8)) }
            ft.progress = { stderr.write(Data(($0 + "\n").utf8)) }
        }
        if verbose { ft.refresher?.progress = { KBBuiltins.progressReporter(label: "KB refresh: encoding", unit: "passages") } }
        if let callback = onRefresh {
            switch callback { case .function, .builtin: break; default: throw RuntimeError("\(args.function): on_refresh must be a function, got \(callback.typeName)") }
            guard o.endToEnd, o.trainer.indexingFrequency != nil else {
                throw RuntimeError("\(args.function): on_refresh is never called without KB refreshes (end2end: true and indexing_freq)")
            }
            // A script function called as f(record) after each end-to-end refresh, on the training thread
            // between micro-batches, with r's KB already the new one (e.g. to measure retrieval then).
            ft.trainer.onRefresh = { r in
                _ = try args.call(callback, [.dict(DictRef([("start_step", .int(r.startStep)), ("end_step", .int(r.endStep)),
                                                            ("seconds", .float(r.seconds)), ("error", r.error.map { .string($0) } ?? .null)]))])
            }
        }
        let interpreter = args.interpreter
        ft.shouldStop = { interpreter.interruptCheck() }
        let allreduceBefore = DataParallel.allreduceSeconds
        let s = try KBBuiltins.wrap(args.function) { try ft.run() }
        if s.cancelled { throw interrupted(args, steps: s.steps, output: ft.output) }
        let refreshes: [Value] = s.refreshes.map { r in
            .dict(DictRef([("start_step", .int(r.startStep)), ("end_step", .int(r.endStep)), ("seconds", .float(r.seconds)),
                           ("error", r.error.map { .string($0) } ?? .null)]))
        }
        return .dict(DictRef([
            ("steps", .int(s.steps)), ("updates_per_epoch", .int(ft.updatesPerEpoch)), ("cancelled", .bool(s.cancelled)), ("last_loss", s.lastLoss.map { .float($0) } ?? .null),
            ("losses", .list(ft.trainer.state.lossHistory.map { .float($0.loss) })),
            ("refreshes", .list(refreshes)), ("checkpoints", .list(ft.output.completedSteps().map { .int($0) })),
            ("val", s.validation.map(dict) ?? .null), ("test", s.test.map(dict) ?? .null),
            ("allreduce_seconds", .float(DataParallel.allreduceSeconds - allreduceBefore)),
        ]))
    }

    /// `r.refresh_kb(index_gpus: 1, batch: 16, m: 128)`: one synchronous end-to-end KB refresh (rag-end2end-retriever `finetune_rag.py` + `kb_encode_utils.py` (KB re-encoding)).
    static var refreshKB: Builtin {
        Builtin("refresh_kb", [Param("index_gpus", default: .int(1)), Param("batch", default: .int(16)), Param("m", default: .int(128))],
                "refresh_kb(index_gpus: 1, batch: 16, m: 128) -> KB: re-encode every passage with a snapshot of the context encoder (in index_gpus shards), build a fresh HNSW index (m, efConstruction 40, efSearch 16) and swap the new KB into the model (r.kb); needs an end-to-end model") { args in
            let box = try args.receiver(as: RagBox.self)
            var o = RagFineTuneOptions()
            (o.indexShards, o.kbBatchSize, o.indexM) = (try args.int("index_gpus"), try args.int("batch"), try args.int("m"))
            return try KBBuiltins.wrap(args.function) {
                try o.validateRefresh()
                let r = try RagKBRefresh(model: box.model, options: o)
                r.progress = { KBBuiltins.progressReporter(label: "KB refresh: encoding", unit: "passages") }
                return .handle(try r.refreshNow())
            }
        }
    }

    /// Ctrl-C during training: the statement ends as interrupted (exit 130 in batch), naming the checkpoint
    /// to resume from; the model keeps its trained weights.
    static func interrupted(_ args: CallArgs, steps: Int, output: CheckpointDirectory) -> RuntimeError {
        let last = output.latestStep().map { "checkpoint\($0)" } ?? "none yet"
        var error = RuntimeError("\(args.function): interrupted at step \(steps) (last checkpoint: \(last)); the model keeps its weights, resume: true continues from the checkpoint")
        error.kind = .interrupted
        return error
    }

    static func dict(_ r: MetricsRecord) -> Value {
        .dict(DictRef(r.entries.map { ($0.name, $0.isInteger ? .int(Int($0.value)) : .float($0.value)) }))
    }
}
