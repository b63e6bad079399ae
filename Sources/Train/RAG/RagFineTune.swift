import Cluster
import Foundation
import KB
import Models
import NN
import Tensor

/// The research project's fine-tune (`finetune_rag.py`, rag-end2end-retriever `finetune_rag.py`) around a ready RAG model:
/// `{train,val,test}.source/.target` batches (rag-end2end-retriever `utils_rag.py` (`Seq2SeqDataset`)), the summed RAG loss with label smoothing (rag-end2end-retriever `finetune_rag.py` `_step`),
/// AdamW / schedule / accumulation / clipping (`Trainer`, rag-end2end-retriever `lightning_base.py` AdamW; rag-end2end-retriever `lightning_base.py` accumulation/clipping), end to end the KB refresh every
/// `indexing_freq` micro-batches (rag-end2end-retriever `finetune_rag.py` + `kb_encode_utils.py` (KB re-encoding), `RagKBRefresh`), validation by generation + EM (+ SQuAD EM/F1,
/// recall@k) with metrics.json, curves.svg and a checkpoint in the seed's layout at each validation and
/// at the end (rag-end2end-retriever `finetune_rag.py` validation; rag-end2end-retriever `callbacks_rag.py` checkpoints), the test split at the end (`--do_predict`), and exact resume.
///
///     var o = RagFineTuneOptions(); o.endToEnd = true; o.trainer.indexingFrequency = 25
///     let ft = try RagFineTune(model: rag, data: dataDir, output: outDir, options: o)
///     ft.log = { print($0) }; ft.progress = { print($0) }
///     let summary = try ft.run()          // ft.cancel() from a SIGINT handler stops at a step boundary
///
/// Decisions: the unit of `val_check_interval` is the optimizer update (TrainerOptions.validateEvery; nil =
/// validate only at the end); the test split is evaluated with the final model (the seed uses its best
/// checkpoint); on a fresh run every dropout generator is reseeded from `seed` (the seed's
/// `pl.seed_everything`), a resumed run restores them.
public final class RagFineTune {
    /// The model being trained: the one passed in (dropout overrides change its generator in place).
    public let model: RagForGeneration
    public let options: RagFineTuneOptions
    public let dataDirectory: URL
    public let output: CheckpointDirectory
    public let trainer: Trainer
    public let refresher: RagKBRefresh?
    public let trainLoader: BatchLoader
    public let valLoader: BatchLoader
    /// Optimizer updates of the whole run (for the progress line) and of one epoch (accumulation flushes at
    /// the epoch's end).
    public let totalUpdates: Int
    public let updatesPerEpoch: Int
    /// The checkpoint number a `run()` resumed from (nil: fresh start).
    public private(set) var resumedFrom: Int?

    /// Messages: resume, refresh records, checkpoints, test metrics.
    public var log: ((String) -> Void)? { didSet { trainer.log = log } }
    /// The progress line (step, loss, lr, steps/s, ETA) every `options.progressEvery` updates.
    public var progress: ((String) -> Void)? {
        didSet {
            trainer.progress = progress.flatMap { sink in
                options.progressEvery > 0 ? TrainingProgress(totalSteps: totalUpdates, every: options.progressEvery, sink: sink) : nil
            }
        }
    }

    public struct Summary {
        public var steps: Int
        public var cancelled: Bool
        public var lastLoss: Double?
        public var refreshes: [RefreshRecord]
        /// The last validation record and the test record (when `doPredict`).
        public var validation: MetricsRecord?
        public var test: MetricsRecord?
    }

    public init(model: RagForGeneration, data: URL, output: URL, options: RagFineTuneOptions) throws {
        try options.validate()
        try RagModelSetup.apply(options, to: model)
        if options.endToEnd {
            guard model.isEndToEnd else {
                throw TrainError.config("end2end needs a context encoder and its tokenizer on the model (the seed's set_context_encoder_for_training and set_ctx_encoder_tokenizer; in scripts r.set_context_encoder(ctx) and r.set_context_encoder_tokenizer(tok))")
            }
        } else if model.contextEncoder != nil {
            throw TrainError.config("the model has a context encoder set for training; pass end2end: true (or build the model without it)")
        }
        self.model = model
        self.options = options
        dataDirectory = data
        self.output = CheckpointDirectory(output)
        let collator = try Seq2SeqCollator(sourceTokenizer: model.questionTokenizer, targetTokenizer: model.generatorTokenizer,
                                           maxSourceLength: options.maxSourceLength, maxTargetLength: options.maxTargetLength)
        let examples = try Seq2SeqData.load(directory: data, split: "train", prefix: options.prefix ?? "", limit: options.nTrain)
        // Under mpirun each rank takes its part of every global micro-batch of train_batch_size x ranks (DataParallel).
        trainLoader = try BatchLoader(examples: examples, batchSize: options.trainBatchSize * Cluster.size, shuffle: true, seed: options.seed,
                                      collator: collator, part: (Cluster.rank, Cluster.size))
        valLoader = try RagEvaluation.loader(model, data: data, split: "val", options: options,
                                             targetLength: options.valMaxTargetLength, limit: options.nVal)
        (trainer, updatesPerEpoch, totalUpdates) = try Trainer.planned(
            parameters: model.namedParameters(), options: options.trainer, datasetSize: examples.count, batchSize: options.trainBatchSize,
            batchesPerEpoch: trainLoader.batchesPerEpoch, generators: model.dropoutGenerators(), output: self.output)
        refresher = options.endToEnd ? try RagKBRefresh(model: model, options: options) : nil
        let valSettings = try RagEvaluation.settings(data: data, split: "val", options: options, maxLength: options.valMaxTargetLength,
                                                     count: valLoader.examples.count)
        let (trainer, val) = (trainer, valLoader)
        trainer.lossReduction = .sum   // RAG's loss sums over the batch's questions (reduce_loss)
        trainer.saveModel = { [unowned trainer] in try model.save(to: $0, saveStep: trainer.state.validations) }
        if let refresher {
            trainer.saveContextEncoder = { try model.saveContextEncoder(to: $0) }
            trainer.saveExtraState = { try RagCheckpointState.saveKnowledgeBase(try refresher.knowledgeBase, trainerState: $0) }
            if options.trainer.indexingFrequency != nil { trainer.refresh = refresher.driver() }
        }
        trainer.validate = { _ in try RagEvaluation.run(model, loader: val, settings: valSettings).record }
    }

    /// Stops training at the next optimizer-step boundary (thread-safe; e.g. from a SIGINT handler).
    public func cancel() { trainer.cancellation.cancel() }

    /// Polled before every micro-batch (e.g. the interpreter's Ctrl-C flag); true cancels as `cancel()` does.
    public var shouldStop: (() -> Bool)?

    /// Resumes if asked and possible, trains, installs a still-running refresh, runs the test split
    /// (unless cancelled or `doPredict` is off) and returns what happened, with every matrix product in
    /// `options.trainer.precision`. The model is left in eval mode.
    public func run() throws -> Summary {
        try Precision.with(options.trainer.precision) { try runInPrecision() }
    }

    private func runInPrecision() throws -> Summary {
        if let note = refresher?.note { log?(note) }
        if options.resume, let n = output.latestStep() {
            try resume(from: n)
        } else {
            try trainer.startFresh(seed: options.seed, resumeRequested: options.resume, overwrite: options.overwriteOutput)
        }
        model.train()
        defer { model.eval() }
        let labelSmoothing = options.labelSmoothing
        let model = self.model, loader = trainLoader
        let fit = try trainer.fit(batch: { [self] in
            if shouldStop?() == true { cancel() }
            return try loader.batch(epoch: $0, index: $1)
        }) { b in
            let out = try model(inputIds: b.inputIds, attentionMask: b.attentionMask, labels: b.decoderInputIds,
                                reduceLoss: true, labelSmoothing: labelSmoothing)
            guard let loss = out.loss else { throw TrainError.data("the RAG forward returned no loss") }
            return loss
        }
        try trainer.finishRefresh()
        var summary = Summary(steps: fit.steps, cancelled: fit.cancelled, lastLoss: fit.lastLoss, refreshes: trainer.state.refreshLog,
                              validation: trainer.state.metrics.records["val"]?.last, test: nil)
        if !fit.cancelled, options.doPredict {
            let test = try RagEvaluation.evaluate(model, data: dataDirectory, split: "test", options: options)
            try trainer.recordMetrics(test, split: "test")
            log?("test: " + test.entries.map { "\($0.name) \(String(format: "%.4f", $0.value))" }.joined(separator: ", "))
            summary.test = test
        }
        return summary
    }

    /// Model (+ ctx encoder) weights, the checkpoint's KB, optimizer, schedule, RNG states and position.
    func resume(from n: Int) throws {
        try RagCheckpointState.loadWeights(into: model, from: output, step: n)
        if refresher != nil {
            guard let kb = try RagCheckpointState.loadKnowledgeBase(from: output, step: n) else {
                throw TrainError.checkpoint("\(output.trainerStateFolder(step: n).path) has no kb/ folder: cannot resume end-to-end training with the KB of that checkpoint")
            }
            refresher!.install(kb)
        }
        try trainer.restore(checkpoint: n)
        resumedFrom = n
        log?("resumed from \(output.modelFolder(step: n).path) at step \(trainer.state.step)")
    }
}
