import Cluster
import Dispatch
import Foundation
import Models
import NN
import Tensor
import Tokenizers

/// Fine-tunes a BART generator alone on `{train,val}.source/.target` (e.g. a reader warmed up on
/// "title / passage // question" -> answer pairs before it becomes a RAG generator), with the same loop,
/// options, checkpoints and resume as the RAG fine-tune (`Trainer`, `RagFineTuneOptions`; RAG-only
/// options are refused or unused).
///
/// The loss uses RAG's decoder convention, so a generator trained here continues in RAG without a shift
/// in what it has learnt: decoder inputs are the target ids unshifted (`<s> answer </s> <pad>…`), the
/// targets are those ids shifted left with `<pad>` appended, and pad targets are ignored; the loss is
/// the mean token cross entropy (label smoothing `labelSmoothing`). Generation starts from the
/// generator config's `decoder_start_token_id` (give the model `decoder_start_token_id: bos` so that it
/// starts with the `<s>` it was trained to continue from).
///
///     let ft = try BartFineTune(model: g, tokenizer: tok, data: dir, output: out, options: o)
///     ft.saveModel = { try g.save(to: $0, tokenizer: tok) }
///     let s = try ft.run()              // val: {val_avg_loss, val_avg_em, ..., val_squad_em, val_squad_f1}
public final class BartFineTune {
    public let model: BartModel
    public let tokenizer: Tokenizer
    public let options: RagFineTuneOptions
    public let output: CheckpointDirectory
    public let trainer: Trainer
    public let trainLoader: BatchLoader
    public let valLoader: BatchLoader
    public let totalUpdates: Int
    public let updatesPerEpoch: Int
    let answers: [[String]]?

    /// Writes the model folder of a checkpoint (weights, config and the tokenizer's files).
    public var saveModel: ((URL) throws -> Void)? { didSet { trainer.saveModel = saveModel } }
    public var log: ((String) -> Void)? { didSet { trainer.log = log } }
    public var progress: ((String) -> Void)? {
        didSet {
            trainer.progress = progress.flatMap { sink in
                options.progressEvery > 0 ? TrainingProgress(totalSteps: totalUpdates, every: options.progressEvery, sink: sink) : nil
            }
        }
    }
    /// Polled before every micro-batch (e.g. Ctrl-C); true stops at the next optimizer-step boundary.
    public var shouldStop: (() -> Bool)?

    public init(model: BartModel, tokenizer: Tokenizer, data: URL, output: URL, options: RagFineTuneOptions) throws {
        try options.validate()
        guard !options.endToEnd, options.trainer.indexingFrequency == nil else {
            throw TrainError.config("a generator fine-tune has no retriever: end2end and indexing_freq do not apply")
        }
        let c = model.config
        for (name, value, current) in [("dropout", options.dropout, c.dropout), ("attention_dropout", options.attentionDropout, c.attentionDropout),
                                       ("encoder_layerdrop", options.encoderLayerdrop, c.encoderLayerdrop),
                                       ("decoder_layerdrop", options.decoderLayerdrop, c.decoderLayerdrop)] {
            if let value, value != current {
                throw TrainError.config("\(name) \(value) differs from the generator's config (\(current)); build the generator with it")
            }
        }
        self.model = model
        self.tokenizer = tokenizer
        self.options = options
        self.output = CheckpointDirectory(output)
        let collator = try Seq2SeqCollator(sourceTokenizer: tokenizer, targetTokenizer: tokenizer,
                                           maxSourceLength: options.maxSourceLength, maxTargetLength: options.maxTargetLength)
        let examples = try Seq2SeqData.load(directory: data, split: "train", prefix: options.prefix ?? "", limit: options.nTrain)
        // Under mpirun each rank takes its part of every global micro-batch of train_batch_size x ranks (DataParallel).
        trainLoader = try BatchLoader(examples: examples, batchSize: options.trainBatchSize * Cluster.size, shuffle: true, seed: options.seed,
                                      collator: collator, part: (Cluster.rank, Cluster.size))
        let valCollator = try Seq2SeqCollator(sourceTokenizer: tokenizer, targetTokenizer: tokenizer,
                                              maxSourceLength: options.maxSourceLength, maxTargetLength: options.valMaxTargetLength)
        let val = try Seq2SeqData.load(directory: data, split: "val", prefix: options.prefix ?? "", limit: options.nVal)
        valLoader = try BatchLoader(examples: val, batchSize: options.evalBatchSize, shuffle: false, seed: options.seed, collator: valCollator)
        answers = try RagEvaluation.settings(data: data, split: "val", options: options, maxLength: options.valMaxTargetLength,
                                             count: val.count).answers
        (trainer, updatesPerEpoch, totalUpdates) = try Trainer.planned(
            parameters: model.namedParameters(), options: options.trainer, datasetSize: examples.count, batchSize: options.trainBatchSize,
            batchesPerEpoch: trainLoader.batchesPerEpoch, generators: model.dropoutGenerators(), output: self.output)
        trainer.validate = { [unowned self] _ in try self.evaluate() }
    }

    /// Mean token cross entropy in RAG's decoder convention (see the type's comment).
    public func loss(_ b: Seq2SeqBatch) throws -> Tensor {
        let dec = b.decoderInputIds, rows = dec.shape[0], t = dec.shape[1]
        let pad = model.config.padTokenId
        var target = [Int](repeating: -100, count: rows * t)
        for r in 0..<rows {
            for j in 0..<(t - 1) where dec.scalars[r * t + j + 1] != pad { target[r * t + j] = dec.scalars[r * t + j + 1] }
        }
        let logits = try model(inputIds: b.inputIds, attentionMask: b.attentionMask, decoderInputIds: dec).logits
        return try Tensor.crossEntropy(logits: logits, targets: IntTensor(shape: [rows, t], scalars: target), ignoreIndex: -100,
                                       labelSmoothing: Float(options.labelSmoothing), reduction: .mean)
    }

    /// Validation: loss and generation per batch, the seed's EM against the target line, and SQuAD EM/F1
    /// against `val.answers.jsonl` when the data folder has it. The model is left in its previous mode.
    public func evaluate() throws -> MetricsRecord {
        let wasTraining = model.isTraining
        model.eval()
        defer { if wasTraining { model.train() } }
        var acc = ValidationAccumulator(prefix: "val")
        var predictions: [String] = []
        var g = model.config.generation
        g.maxLength = options.valMaxTargetLength
        g.minLength = 1
        if let beams = options.evalNumBeams { g.numBeams = beams }
        try Tensor.withNoGrad {
            for i in 0..<valLoader.batchesPerEpoch {
                let b = try valLoader.batch(epoch: 0, index: i)
                let loss = try loss(b)
                let t0 = DispatchTime.now().uptimeNanoseconds
                let rows = try model.generate(inputIds: b.inputIds, attentionMask: b.attentionMask, config: g)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
                let (p, width) = try ValidationAccumulator.decode(rows: rows, pad: model.config.padTokenId, tokenizer: tokenizer)
                let t = try ValidationAccumulator.decode(b.decoderInputIds, tokenizer: tokenizer)
                try acc.add(loss: Double(try loss.item()), predictions: p, targets: t, seconds: seconds, generatedLength: Double(width))
                predictions += p
            }
        }
        var record = try acc.record()
        if let answers { try Evaluation.recordSquad(&record, prefix: "val", predictions: predictions, answers: answers) }
        return record
    }

    /// Resumes from the newest checkpoint when asked (weights from its model folder), else starts fresh
    /// (refusing an output folder with an earlier run unless `overwriteOutput`), then trains, with every
    /// product in `options.trainer.precision`.
    public func run() throws -> Trainer.Summary {
        try Precision.with(options.trainer.precision) { try runInPrecision() }
    }

    private func runInPrecision() throws -> Trainer.Summary {
        if options.resume, let n = output.latestStep() {
            let saved = try BartModel.load(from: output.modelFolder(step: n))
            try model.loadStateDict(Dictionary(uniqueKeysWithValues: saved.stateDict().map { ($0.name, $0.tensor) }),
                                    source: output.modelFolder(step: n).path)
            try trainer.restore(checkpoint: n)
            log?("resumed from \(output.modelFolder(step: n).path) at step \(trainer.state.step)")
        } else {
            try trainer.startFresh(seed: options.seed, resumeRequested: options.resume, overwrite: options.overwriteOutput)
        }
        model.train()
        defer { model.eval() }
        let loader = trainLoader
        return try trainer.fit(batch: { [self] in
            if shouldStop?() == true { trainer.cancellation.cancel() }
            return try loader.batch(epoch: $0, index: $1)
        }) { [self] b in try loss(b) }
    }
}
