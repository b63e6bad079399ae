import Cluster
import Foundation
import NN
import Tensor

/// The generic training loop of the end-to-end project (rag-end2end-retriever `finetune_rag.py` `_step`; rag-end2end-retriever `callbacks_rag.py` checkpoints), independent of the model:
/// the caller supplies the batches and a closure returning the loss; the trainer does backward with
/// accumulation, clipping, AdamW with the schedule, periodic validation (metrics.json, checkpoint, SVG
/// curves), the KB-refresh hook, cooperative cancellation and exact resume.
///
///     let t = try Trainer(parameters: model.namedParameters(), options: o, batchesPerEpoch: loader.batchesPerEpoch,
///                         generators: model.dropoutGenerators(), output: CheckpointDirectory(outDir))
///     t.saveModel = { try model.save(to: $0) }
///     t.validate = { ctx in MetricsRecord(["val_avg_loss": ..., "val_avg_em": ...]) }
///     let summary = try t.fit(batch: { try loader.batch(epoch: $0, index: $1) }, loss: { b in try model.loss(b) })
///
/// Order per micro-batch: cancellation check (only between optimizer updates, so a stop leaves a
/// resumable state), refresh poll (install a finished KB), refresh trigger (batch index in epoch ≠ 0 and a
/// multiple of `indexingFrequency`), loss, `backward(loss / k)`. After k micro-batches (or the epoch's
/// last): clip, `lr = base · f(step)`, AdamW, zero grads, step += 1, progress line, validation if due.
/// Validation is followed by `metrics.json`, the checkpoint `checkpoint{validations}` and `curves.svg`.
/// Under `mpirun` the gradients are averaged over the ranks before clipping, the weights compared at each
/// validation, and only rank 0 writes files (`DataParallel`).
public final class Trainer {
    public let options: TrainerOptions
    public let optimizer: AdamW
    public let batchesPerEpoch: Int
    public let generators: [(name: String, generator: RNG)]
    public let output: CheckpointDirectory?
    public private(set) var state: TrainerState
    public let cancellation = CancellationFlag()

    /// Writes the model folder(s) of a checkpoint (e.g. `{ try rag.save(to: $0) }`).
    public var saveModel: ((URL) throws -> Void)?
    /// Writes the context-encoder folder (end-to-end; `dpr_ctx_checkpoint/checkpointN`).
    public var saveContextEncoder: ((URL) throws -> Void)?
    /// Writes further resume state into `checkpoint{N}/trainer_state/` (e.g. the refreshed KB).
    public var saveExtraState: ((URL) throws -> Void)?
    /// Runs validation and returns its record (the trainer adds `step_count`). nil: never validate.
    /// Called with grad recording off; switching the model to eval mode and back is the closure's job.
    public var validate: ((ValidationContext) throws -> MetricsRecord)?
    public var refresh: RefreshDriver?
    /// Called on the training thread after each refresh ended (installed or failed), between micro-batches
    /// (e.g. to measure retrieval with the new KB); an error ends training with that error.
    public var onRefresh: ((RefreshRecord) throws -> Void)?
    public var progress: TrainingProgress?
    /// How the loss closure reduces a batch (sum or mean over its examples): under `mpirun` the ranks'
    /// gradients are combined the same way (`DataParallel`).
    public var lossReduction = DataParallel.Reduction.mean
    /// Messages other than the progress line (refresh records, checkpoints).
    public var log: ((String) -> Void)?

    public struct ValidationContext { public let step: Int; public let epoch: Int }

    public struct Summary: Equatable, Sendable {
        public var steps: Int
        public var cancelled: Bool
        public var lastLoss: Double?
    }

    public init(parameters: [(name: String, tensor: Tensor)], options: TrainerOptions, batchesPerEpoch: Int,
                generators: [(name: String, generator: RNG)] = [], output: CheckpointDirectory? = nil) throws {
        try options.validate()
        guard batchesPerEpoch > 0 else { throw TrainError.config("an epoch needs at least one batch") }
        guard Set(generators.map(\.name)).count == generators.count else { throw TrainError.config("generator names must be unique") }
        self.options = options
        optimizer = try AdamW(parameters: parameters, learningRate: options.learningRate, betas: (options.betas[0], options.betas[1]),
                              eps: options.adamEpsilon, weightDecay: options.weightDecay, noDecay: options.noDecay)
        self.batchesPerEpoch = batchesPerEpoch
        self.generators = generators
        self.output = output
        state = TrainerState(schedule: try options.makeSchedule())
    }

    /// Runs until `maxSteps` / `maxEpochs` or cancellation, from the current state (fresh or restored).
    public func fit<Batch>(batch: (_ epoch: Int, _ index: Int) throws -> Batch, loss: (Batch) throws -> Tensor) throws -> Summary {
        var acc = try GradientAccumulation(steps: options.gradientAccumulationSteps)
        var summed = 0.0, count = 0
        var lastLoss: Double?
        progress?.begin(step: state.step)
        var cancelled = false
        loop: while state.epoch < options.maxEpochs && !reachedMaxSteps {
            while state.batch < batchesPerEpoch {
                if acc.pending == 0, cancellation.isCancelled { cancelled = true; break loop }
                if let refresh {
                    if let r = refresh.poll(step: state.step) { try record(r) }
                    if let f = options.indexingFrequency, state.batch != 0, state.batch % f == 0, refresh.trigger(step: state.step) {
                        log?("KB refresh started at step \(state.step)")
                    }
                }
                let b = try batch(state.epoch, state.batch)
                let l = try loss(b)
                let value = Double(try l.item())
                guard value.isFinite else { throw TrainError.data("loss is \(value) at step \(state.step), epoch \(state.epoch), batch \(state.batch)") }
                try (acc.steps == 1 ? l : l * acc.lossScale).backward()
                summed += value; count += 1
                let last = state.batch == batchesPerEpoch - 1
                state.batch += 1
                if last { state.epoch += 1; state.batch = 0 }
                if acc.microBatchDone(lastOfEpoch: last) {
                    lastLoss = summed / Double(count)
                    try update(loss: lastLoss!)
                    summed = 0; count = 0
                    if reachedMaxSteps { break loop }
                }
                if last { break }
            }
        }
        if !cancelled, validate != nil, state.lossHistory.last?.step != lastValidatedStep { try runValidation() }
        return Summary(steps: state.step, cancelled: cancelled, lastLoss: lastLoss)
    }

    private var reachedMaxSteps: Bool { options.maxSteps.map { state.step >= $0 } ?? false }
    private var lastValidatedStep: Int?

    private func update(loss: Double) throws {
        let params = optimizer.parameters.map(\.tensor)
        let loss = try DataParallel.combineGradients(params, loss: loss, reduction: lossReduction)   // under mpirun
        if let c = options.maxGradNorm { try GradClip.clip(params, maxNorm: c) }
        optimizer.learningRate = state.schedule.learningRate(base: optimizer.hyperparameters.learningRate, update: state.step + 1)
        try optimizer.step()
        optimizer.zeroGrad()
        state.step += 1
        state.lossHistory.append(.init(step: state.step, loss: loss))
        progress?.update(step: state.step, loss: loss, learningRate: optimizer.learningRate)
        if let v = options.validateEvery, validate != nil, state.step % v == 0 { try runValidation() }
    }

    /// A trainer for a run over `datasetSize` examples in `batchesPerEpoch` micro-batches of `batchSize`: the
    /// schedule's N is the seed's total when `options.totalSteps` is 0; also returns the optimizer updates of
    /// one epoch (an epoch's last partial accumulation flushes) and of the run (capped by `maxSteps`).
    public static func planned(parameters: [(name: String, tensor: Tensor)], options: TrainerOptions, datasetSize: Int, batchSize: Int,
                               batchesPerEpoch: Int, generators: [(name: String, generator: RNG)],
                               output: CheckpointDirectory?) throws -> (trainer: Trainer, updatesPerEpoch: Int, totalUpdates: Int) {
        var t = options
        if t.totalSteps == 0 {
            t.totalSteps = TrainerOptions.seedTotalSteps(datasetSize: datasetSize, batchSize: batchSize,
                                                         accumulation: t.gradientAccumulationSteps, gpus: Cluster.size,
                                                         epochs: t.maxEpochs)
        }
        let trainer = try Trainer(parameters: parameters, options: t, batchesPerEpoch: batchesPerEpoch, generators: generators, output: output)
        let k = t.gradientAccumulationSteps, perEpoch = (batchesPerEpoch + k - 1) / k   // k >= 1: validated by init
        return (trainer, perEpoch, min(t.maxSteps ?? Int.max, perEpoch * t.maxEpochs))
    }

    /// A fresh (not resumed) run: an earlier run's files in the output folder are refused or removed
    /// (`overwrite`) unless a resume was asked for and found no checkpoint (then only a note is logged), and
    /// every dropout generator is seeded from `seed` (generator i from `seed + i`).
    public func startFresh(seed: UInt64, resumeRequested: Bool, overwrite: Bool) throws {
        if let output, DataParallel.writesFiles {
            if resumeRequested {
                log?("resume: no complete checkpoint in \(output.outputDirectory.path); starting fresh")
            } else {
                try output.clearEarlierRun(overwrite: overwrite)
            }
        }
        for (i, g) in generators.enumerated() { g.generator.state = RNG(seed: seed &+ UInt64(i)).state }
    }

    /// Waits for a running KB refresh and installs it (e.g. before the final evaluation), logging its record.
    public func finishRefresh() throws {
        guard let refresh else { return }
        refresh.waitForCompletion()
        if let r = refresh.poll(step: state.step) { try record(r) }
    }

    private func record(_ r: RefreshRecord) throws {
        state.refreshLog.append(r)
        log?(r.summary)
        try onRefresh?(r)
    }

    /// Validation + metrics.json + checkpoint + curves at the current step.
    public func runValidation() throws {
        guard let validate else { return }
        let context = ValidationContext(step: state.step, epoch: state.epoch)
        var rec = try Tensor.withNoGrad { try validate(context) }
        state.validations += 1
        state.validationSteps.append(state.step)
        lastValidatedStep = state.step
        rec.set("step_count", Double(state.validations), integer: true)
        state.metrics.append(rec)
        try DataParallel.verify(optimizer.parameters, step: state.step)
        guard let output, DataParallel.writesFiles else { return }
        try FileManager.default.createDirectory(at: output.outputDirectory, withIntermediateDirectories: true)
        try state.metrics.write(to: output.metricsURL)
        if options.checkpointAtValidation { try checkpoint() }
        try SVGPlot.write(curves(), to: output.plotURL)
    }

    /// Appends a record outside the validation cycle (e.g. the test split, prefixed `test_`) and rewrites
    /// metrics.json.
    public func recordMetrics(_ record: MetricsRecord, split: String) throws {
        state.metrics.append(record, split: split)
        if let output, DataParallel.writesFiles {
            try FileManager.default.createDirectory(at: output.outputDirectory, withIntermediateDirectories: true)
            try state.metrics.write(to: output.metricsURL)
        }
    }

    /// Writes `checkpoint{validations}` (model via `saveModel`, ctx encoder, optimizer + trainer state).
    public func checkpoint() throws {
        guard let output else { throw TrainError.config("checkpoint: no output directory") }
        guard let saveModel else { throw TrainError.config("checkpoint: saveModel is not set") }
        let n = state.validations
        for (name, g) in generators { state.rngStates[name] = g.state }
        guard DataParallel.writesFiles else { return }
        try output.write(step: n, model: saveModel, contextEncoder: saveContextEncoder) { dir in
            try optimizer.save(to: dir)
            try saveExtraState?(dir)
            try state.save(to: dir)
        }
        log?("checkpoint \(output.modelFolder(step: n).path) at step \(state.step)")
    }

    /// Restores optimizer, schedule, RNG states, data position and history from checkpoint `number` of
    /// `output` (model weights are the caller's: load them from `output.modelFolder(step:)`).
    public func restore(checkpoint number: Int) throws {
        guard let output else { throw TrainError.config("restore: no output directory") }
        let dir = output.trainerStateFolder(step: number)
        let saved = try TrainerState.load(from: dir)
        guard saved.schedule == state.schedule else {
            throw TrainError.checkpoint("\(dir.path): saved schedule \(saved.schedule) differs from the configured \(state.schedule)")
        }
        let names = Set(generators.map(\.name))
        guard Set(saved.rngStates.keys) == names else {
            throw TrainError.checkpoint("\(dir.path): saved RNGs \(saved.rngStates.keys.sorted()) differ from the registered \(names.sorted())")
        }
        try optimizer.load(from: dir)
        for (name, g) in generators { g.state = saved.rngStates[name]! }
        state = saved
        lastValidatedStep = saved.lossHistory.last?.step
    }

    /// Loss per update and validation metrics (`*_em`, `*_loss`) as plot panels.
    public func curves() -> [SVGPlot.Panel] {
        let train = SVGPlot.Series(name: "train loss", points: state.lossHistory.map { (Double($0.step), $0.loss) })
        var panels = [SVGPlot.Panel(title: "loss", series: [train])]
        let vals = state.metrics.records["val"] ?? []
        func series(_ key: String) -> SVGPlot.Series? {
            let pts = zip(state.validationSteps, vals).compactMap { s, r in r[key].map { (Double(s), $0) } }
            return pts.isEmpty ? nil : SVGPlot.Series(name: key, points: pts)
        }
        if let l = series("val_avg_loss") { panels[0].series.append(l) }
        if let e = series("val_avg_em") { panels.append(.init(title: "validation exact match", series: [e])) }
        return panels
    }
}
