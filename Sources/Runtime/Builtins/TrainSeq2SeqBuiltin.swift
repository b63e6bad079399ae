import Foundation
import Models
import Train

/// `train.seq2seq(g, data:, output:, ...)`: a BART generator fine-tuned alone (`BartFineTune`), with the
/// options, checkpoints, progress, Ctrl-C and resume of `train.finetune` (the same option table; RAG-only
/// options such as end2end are refused). Used to warm a generator up as a reader before RAG training.
///
///     s = train.seq2seq(g, data: "reader_data", output: "reader", train_batch_size: 16, learning_rate: 1e-3)
///     s["val"]["val_squad_em"]
extension TrainBuiltins {
    static var seq2seqBuiltin: Builtin {
        Builtin("seq2seq", [Param("g"), Param("data"), Param("output")] + finetuneParams + [Param("options", default: .null)],
                "seq2seq(g, data: dir, output: dir, ...) -> Dict: fine-tune a Bart generator alone on data/{train,val}.source/.target (train.finetune's options and defaults; RAG's decoder convention, so the generator continues in RAG unchanged); validation by generation with EM (+ SQuAD EM/F1 with data/val.answers.jsonl); metrics.json, curves.svg, checkpoints with the tokenizer in output. Returns {steps, updates_per_epoch, cancelled, last_loss, losses, checkpoints, val}. Options (name, default: meaning): \(optionHelp)") { args in
            try seq2seq(args)
        }
    }

    static func seq2seq(_ args: CallArgs) throws -> Value {
        let box = try ModelBuiltins.bartBox(args.value("g"))
        let tokenizer = try box.requireTokenizer(args.function)
        let (o, verbose, onRefresh) = try options(args)
        if onRefresh != nil {
            throw RuntimeError("\(args.function): on_refresh does not apply: a generator fine-tune has no KB refreshes")
        }
        let data = URL(fileURLWithPath: try args.string("data")), output = URL(fileURLWithPath: try args.string("output"))
        let ft = try KBBuiltins.wrap(args.function) {
            try BartFineTune(model: box.model, tokenizer: tokenizer, data: data, output: output, options: o)
        }
        let model = box.model
        ft.saveModel = { folder in try model.save(to: folder, tokenizer: tokenizer) }
        let stderr = FileHandle.standardError
        if verbose {
            ft.log = { stderr.write(Data(($0 + "\n").utf8)) }
            ft.progress = { stderr.write(Data(($0 + "\n").utf8)) }
        }
        let interpreter = args.interpreter
        ft.shouldStop = { interpreter.interruptCheck() }
        let s = try KBBuiltins.wrap(args.function) { try ft.run() }
        if s.cancelled { throw interrupted(args, steps: s.steps, output: ft.output) }
        return .dict(DictRef([
            ("steps", .int(s.steps)), ("updates_per_epoch", .int(ft.updatesPerEpoch)), ("cancelled", .bool(s.cancelled)),
            ("last_loss", s.lastLoss.map { .float($0) } ?? .null),
            ("losses", .list(ft.trainer.state.lossHistory.map { .float($0.loss) })),
            ("checkpoints", .list(ft.output.completedSteps().map { .int($0) })),
            ("val", ft.trainer.state.metrics.records["val"]?.last.map(dict) ?? .null),
        ]))
    }
}
