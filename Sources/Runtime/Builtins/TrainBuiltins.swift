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
    static var table: BuiltinTable {
        BuiltinTable(namespaces: [NamespaceTable("train", doc: "RAG fine-tuning and evaluation (the research project's finetune_rag.py)", functions: [
            Builtin("finetune", [Param("r"), Param("data"), Param("output")] + finetuneParams + [Param("options", default: .null)],
                    "finetune(r, data: dir, output: dir, ...) -> Dict: fine-tune RAG on data/{train,val}.source/.target with the seed's option names and defaults; metrics.json, curves.svg and checkpoints in output. `options:` takes a Dict of the same names (its entries replace the named arguments). Returns {steps, cancelled, last_loss, losses, refreshes, checkpoints, val, test, allreduce_seconds (under mpirun: time in the gradient allreduce)}. Options (name, default: meaning): \(optionHelp)") { args in
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
