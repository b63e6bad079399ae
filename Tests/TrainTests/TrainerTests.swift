import Foundation
import Models
import NN
import Tensor
import Train
import XCTest

/// A 2-layer MLP with LayerNorm (no-decay group) and dropout (RNG state must survive a resume).
final class TinyMLP: Module {
    let fc1: Linear, norm: LayerNorm, drop: Dropout, fc2: Linear
    init(seed: UInt64) throws {
        let rng = RNG(seed: seed)
        fc1 = try Linear(inFeatures: 4, outFeatures: 8, std: 0.5, generator: rng)
        norm = try LayerNorm(dim: 8, eps: 1e-5)
        drop = Dropout(p: 0.3, generator: RNG(seed: seed + 1))
        fc2 = try Linear(inFeatures: 8, outFeatures: 1, std: 0.5, generator: rng)
        super.init()
    }
    override var entries: [ModuleEntry] { [.child("fc1", fc1), .child("LayerNorm", norm), .child("dropout", drop), .child("fc2", fc2)] }

    func loss(_ b: (x: Tensor, y: Tensor)) throws -> Tensor {
        let h = try drop(norm(fc1(b.x)).relu())
        let d = try fc2(h) - b.y
        return try (d * d).mean()
    }

    static func batch(epoch: Int, index: Int) throws -> (x: Tensor, y: Tensor) {
        let r = RNG(seed: UInt64(1000 * epoch + index))
        let x = try Tensor.randn([3, 4], generator: r)
        return (x, try x.sum(dims: [1], keepDim: true).tanh())
    }
}

final class TrainerTests: XCTestCase {
    private func tmp() throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-\(UUID())")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: u) }
        return u
    }

    private func options() -> TrainerOptions {
        var o = TrainerOptions()
        o.learningRate = 0.02
        o.weightDecay = 0.01
        o.warmupSteps = 2
        o.maxEpochs = 3
        o.gradientAccumulationSteps = 2          // 5 micro-batches/epoch: updates after 2, 4, 5
        o.totalSteps = TrainerOptions.seedTotalSteps(datasetSize: 15, batchSize: 3, accumulation: 2, epochs: 3)
        o.maxGradNorm = 0.5
        o.validateEvery = 2
        return o
    }

    private func makeTrainer(_ m: TinyMLP, out: URL) throws -> Trainer {
        let t = try Trainer(parameters: m.namedParameters(), options: options(), batchesPerEpoch: 5,
                            generators: m.dropoutGenerators(), output: CheckpointDirectory(out))
        t.saveModel = { try SafeTensors.write(Dictionary(uniqueKeysWithValues: m.stateDict()), to: $0.appendingPathComponent("model.safetensors")) }
        t.validate = { _ in
            m.eval(); defer { m.train() }
            let l = try Tensor.withNoGrad { try m.loss(TinyMLP.batch(epoch: 99, index: 0)) }
            return MetricsRecord(["val_avg_loss": Double(try l.item()), "val_avg_em": 0])
        }
        return t
    }

    /// Uninterrupted run vs. (stop after a checkpoint, fresh model + trainer, restore, continue): same weights, bit for bit.
    func testResumeGivesIdenticalWeightsMLP() throws {
        let outA = try tmp(), outB = try tmp()
        let a = try TinyMLP(seed: 3)
        let ta = try makeTrainer(a, out: outA)
        let sa = try ta.fit(batch: TinyMLP.batch, loss: a.loss)
        XCTAssertEqual(sa.steps, 9)
        XCTAssertEqual(ta.optimizer.undecayedNames, ["fc1.bias", "LayerNorm.weight", "LayerNorm.bias", "fc2.bias"])

        let b = try TinyMLP(seed: 3)
        let tb = try makeTrainer(b, out: outB)
        var calls = 0
        let sb = try tb.fit(batch: TinyMLP.batch) { batch in
            calls += 1
            if tb.state.step == 5 { tb.cancellation.cancel() }   // lands after checkpoint 2 (step 4); step 5 is lost
            return try b.loss(batch)
        }
        XCTAssertTrue(sb.cancelled)
        XCTAssertEqual(sb.steps, 6)
        let dir = CheckpointDirectory(outB)
        XCTAssertEqual(dir.latestStep(), 3)   // validations at steps 2, 4, 6

        // "Killed" after checkpoint 2: resume from it in a fresh process-like setup.
        let c = try TinyMLP(seed: 77)        // different init: everything must come from the checkpoint
        try c.loadStateDict(try SafeTensors.read(dir.modelFolder(step: 2).appendingPathComponent("model.safetensors")))
        let tc = try makeTrainer(c, out: outB)
        try tc.restore(checkpoint: 2)
        XCTAssertEqual(tc.state.step, 4)
        XCTAssertEqual(tc.state.epoch, 1)
        XCTAssertEqual(tc.state.batch, 2)
        let sc = try tc.fit(batch: TinyMLP.batch, loss: c.loss)
        XCTAssertEqual(sc.steps, 9)
        for ((n, p), (_, q)) in zip(a.namedParameters(), c.namedParameters()) { XCTAssertEqual(p.scalars, q.scalars, n) }
        XCTAssertEqual(a.drop.p, c.drop.p)
        XCTAssertEqual(try String(contentsOf: outA.appendingPathComponent("metrics.json"), encoding: .utf8),
                       try String(contentsOf: outB.appendingPathComponent("metrics.json"), encoding: .utf8))
        XCTAssertEqual(ta.state.lossHistory, tc.state.lossHistory)
        XCTAssertTrue(try String(contentsOf: outA.appendingPathComponent("curves.svg"), encoding: .utf8).contains("<polyline"))
        XCTAssertEqual(ta.state.validationSteps, [2, 4, 6, 8, 9])
        XCTAssertEqual(CheckpointDirectory(outA).completedSteps(), [1, 2, 3, 4, 5])
        try ta.recordMetrics(MetricsRecord(["test_avg_em": 0.5]), split: "test")
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: outA.appendingPathComponent("metrics.json"))) as! [String: [[String: Double]]]
        XCTAssertEqual(metrics["val"]?.map { $0["step_count"]! }, [1, 2, 3, 4, 5])
        XCTAssertEqual(metrics["test"]?.first?["test_avg_em"], 0.5)

        // Without the RNG state the dropout masks differ, so the weights would not match.
        let d = try TinyMLP(seed: 3)
        try d.loadStateDict(try SafeTensors.read(dir.modelFolder(step: 2).appendingPathComponent("model.safetensors")))
        let td = try makeTrainer(d, out: outB)
        try td.restore(checkpoint: 2)
        d.drop.generator.state = RNG(seed: 5).state
        _ = try td.fit(batch: TinyMLP.batch, loss: d.loss)
        XCTAssertNotEqual(a.fc1.weight.scalars, d.fc1.weight.scalars)
    }

    /// Same with a tiny DPR saved and loaded through the Models folder functions.
    func testResumeGivesIdenticalWeightsDPR() throws {
        var cfg = BertConfig()
        (cfg.vocabSize, cfg.hiddenSize, cfg.numHiddenLayers, cfg.numAttentionHeads, cfg.intermediateSize, cfg.maxPositionEmbeddings) = (20, 8, 1, 2, 16, 16)
        func batch(_ e: Int, _ i: Int) throws -> IntTensor {
            let r = RNG(seed: UInt64(e * 10 + i))
            return try IntTensor(shape: [2, 5], scalars: (0..<10).map { _ in 1 + Int(r.next() % 19) })
        }
        func loss(_ m: DPREncoder) -> (IntTensor) throws -> Tensor {
            { ids in let p = try m(inputIds: ids).pooled; return try (p * p).mean() }
        }
        var o = TrainerOptions()
        (o.learningRate, o.maxEpochs, o.validateEvery, o.schedule, o.totalSteps, o.warmupSteps) = (0.01, 2, 3, .polynomial, 8, 1)
        func trainer(_ m: DPREncoder, _ out: URL) throws -> Trainer {
            let t = try Trainer(parameters: m.namedParameters(), options: o, batchesPerEpoch: 4, generators: m.dropoutGenerators(),
                                output: CheckpointDirectory(out))
            t.saveModel = { try m.save(to: $0) }
            t.validate = { _ in MetricsRecord(["val_avg_loss": 0]) }
            return t
        }
        let a = try DPREncoder(kind: .context, config: cfg, seed: 1)
        a.train()
        let outA = try tmp(), outB = try tmp()
        XCTAssertEqual(try trainer(a, outA).fit(batch: batch, loss: loss(a)).steps, 8)
        let b = try DPREncoder(kind: .context, config: cfg, seed: 1)
        b.train()
        let tb = try trainer(b, outB)
        var o2 = o; o2.maxSteps = 3
        let tShort = try Trainer(parameters: b.namedParameters(), options: o2, batchesPerEpoch: 4, generators: b.dropoutGenerators(),
                                 output: CheckpointDirectory(outB))
        tShort.saveModel = tb.saveModel; tShort.validate = tb.validate
        _ = try tShort.fit(batch: batch, loss: loss(b))
        let dir = CheckpointDirectory(outB)
        XCTAssertEqual(dir.completedSteps(), [1])
        let c = try DPREncoder.load(from: dir.modelFolder(step: 1))
        c.train()
        let tc = try trainer(c, outB)
        try tc.restore(checkpoint: 1)
        for ((n, p), (_, q)) in zip(b.namedParameters(), c.namedParameters()) { XCTAssertEqual(p.scalars, q.scalars, "restored \(n)") }
        XCTAssertEqual(tShort.optimizer.stepCounts, tc.optimizer.stepCounts)
        for (k, v) in tShort.optimizer.stateTensors() { XCTAssertEqual(v.scalars, tc.optimizer.stateTensors()[k]!.scalars, k) }
        XCTAssertEqual(b.dropoutGenerators().map(\.name), ["ctx_encoder.bert_model.embeddings.dropout"])  // one RNG shared by all
        XCTAssertEqual(b.dropoutGenerators()[0].generator.state, c.dropoutGenerators()[0].generator.state)
        XCTAssertEqual(try tc.fit(batch: batch, loss: loss(c)).steps, 8)
        for ((n, p), (_, q)) in zip(a.namedParameters(), c.namedParameters()) { XCTAssertEqual(p.scalars, q.scalars, n) }
    }

    func testRestoreRejectsDifferentSchedule() throws {
        let out = try tmp()
        let m = try TinyMLP(seed: 1)
        let t = try makeTrainer(m, out: out)
        _ = try t.fit(batch: TinyMLP.batch, loss: m.loss)
        var o = options(); o.warmupSteps = 3
        let t2 = try Trainer(parameters: m.namedParameters(), options: o, batchesPerEpoch: 5, generators: m.dropoutGenerators(),
                             output: CheckpointDirectory(out))
        XCTAssertThrowsError(try t2.restore(checkpoint: 1)) { XCTAssertTrue("\($0)".contains("schedule"), "\($0)") }
    }

    /// Refresh hook: triggers at nonzero multiples of indexing_freq within the epoch, installs finished
    /// builds at a later step boundary, and a failing build keeps the old state.
    func testBackgroundRefreshSeam() throws {
        let m = try TinyMLP(seed: 2)
        var o = options(); o.validateEvery = nil; o.indexingFrequency = 2
        let t = try Trainer(parameters: m.namedParameters(), options: o, batchesPerEpoch: 5)
        var installed: [String] = []
        struct BuildFailed: Error, CustomStringConvertible { var description: String { "encoder exploded" } }
        let r = BackgroundRefresh<Float, String>(
            snapshot: { m.fc1.weight.scalars[0] },
            build: { w in if w.isNaN { throw BuildFailed() }; return "kb(\(w))" },
            install: { installed.append($0) })
        t.refresh = r
        var messages: [String] = []
        t.log = { messages.append($0) }
        _ = try t.fit(batch: TinyMLP.batch) { b in Thread.sleep(forTimeInterval: 0.01); return try m.loss(b) }
        try t.finishRefresh()
        XCTAssertFalse(r.isBusy)
        XCTAssertGreaterThanOrEqual(t.state.refreshLog.count, 1)   // timing-dependent beyond the first (trigger rule: testRefreshTriggerRule)
        XCTAssertEqual(installed.count, t.state.refreshLog.count)
        XCTAssertTrue(t.state.refreshLog.allSatisfy { $0.error == nil && $0.endStep >= $0.startStep })
        XCTAssertTrue(messages.contains { $0.hasPrefix("KB refresh started at step") })

        let bad = BackgroundRefresh<Float, String>(snapshot: { .nan }, build: { _ in throw BuildFailed() }, install: { installed.append($0) })
        let before = installed
        XCTAssertTrue(bad.trigger(step: 3))
        XCTAssertFalse(bad.trigger(step: 4), "one refresh at a time")
        bad.waitForCompletion()
        let rec = try XCTUnwrap(bad.poll(step: 5))
        XCTAssertEqual(installed, before)
        XCTAssertEqual(rec.startStep, 3)
        XCTAssertTrue(rec.summary.contains("failed at step 5") && rec.summary.contains("encoder exploded") && rec.summary.contains("keeping the previous KB"), rec.summary)
        XCTAssertNil(bad.poll(step: 6))
    }

    /// The seed's trigger rule (rag-end2end-retriever `finetune_rag.py` + `kb_encode_utils.py` (KB re-encoding)): micro-batch index within the epoch ≠ 0 and a multiple of indexing_freq,
    /// checked before that micro-batch's forward; poll at every micro-batch.
    func testRefreshTriggerRule() throws {
        final class Recorder: RefreshDriver {
            var triggers: [(step: Int, batch: Int)] = [], polls = 0
            weak var trainer: Trainer?
            func trigger(step: Int) -> Bool { triggers.append((step, trainer!.state.batch)); return true }
            func poll(step: Int) -> RefreshRecord? { polls += 1; return nil }
            func waitForCompletion() {}
        }
        let m = try TinyMLP(seed: 2)
        var o = options(); o.validateEvery = nil; o.indexingFrequency = 2
        let t = try Trainer(parameters: m.namedParameters(), options: o, batchesPerEpoch: 5)
        let rec = Recorder()
        rec.trainer = t
        t.refresh = rec
        _ = try t.fit(batch: TinyMLP.batch, loss: m.loss)
        XCTAssertEqual(rec.polls, 15)
        XCTAssertEqual(rec.triggers.map(\.batch), [2, 4, 2, 4, 2, 4])
        XCTAssertEqual(rec.triggers.map(\.step), [1, 2, 4, 5, 7, 8])   // updates after micro-batches 2, 4, 5 of each epoch
    }

    func testCancellationStopsAtStepBoundaryAndProgressIsReported() throws {
        let m = try TinyMLP(seed: 4)
        var o = options(); o.validateEvery = nil
        let t = try Trainer(parameters: m.namedParameters(), options: o, batchesPerEpoch: 5)
        var lines: [String] = []
        t.progress = TrainingProgress(totalSteps: 9, sink: { lines.append($0) })
        var micro = 0
        let s = try t.fit(batch: TinyMLP.batch) { b in
            micro += 1
            if micro == 3 { t.cancellation.cancel() }   // mid-accumulation: the update still completes
            return try m.loss(b)
        }
        XCTAssertTrue(s.cancelled)
        XCTAssertEqual(micro, 4)
        XCTAssertEqual(s.steps, 2)
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasPrefix("step 1/9 | loss "), lines[0])
        XCTAssertTrue(lines[0].contains("lr 0.00e+00"), "first update uses f(0) = 0 in warm-up: \(lines[0])")
    }
}
