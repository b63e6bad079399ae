import Foundation
import KB
import Models
import NN
import Tensor
import TestSupport
import Tokenizers
import Train
import XCTest

/// `RagFineTune` end to end on the seed's dummy data with the tiny fixture models (test_dir/fixtures/rag):
/// the loss falls, KB refreshes happen and are swapped into the retriever, checkpoints follow the seed's
/// layout, and a stopped-then-resumed run ends with the same weights and KB as an uninterrupted one.
final class RagFineTuneTests: XCTestCase {
    static let fixtures = RepoPaths.url("test_dir/fixtures/rag")
    static let data = RepoPaths.url("test_dir/dummy-train-data")

    /// A fresh end-to-end RAG-token model: fixture encoders/generator, a KB of the dummy CSV encoded with the
    /// fixture context encoder (HNSW), n_docs 3.
    static func makeModel() throws -> RagTokenForGeneration { try makeModel(RagTokenForGeneration.self) }

    static func makeModel<M: RagForGeneration>(_ variant: M.Type) throws -> M {
        let dpr = try Tokenizer.load(from: fixtures.appendingPathComponent("tokenizers/dpr"))
        let bart = try Tokenizer.load(from: fixtures.appendingPathComponent("tokenizers/bart"))
        let ctx = try DPREncoder.load(from: fixtures.appendingPathComponent("ctx_encoder"))
        let kb = try KnowledgeBase.fromRaw(RepoPaths.url("test_dir/dummy-kb/my_knowledge_dataset.csv"))
        try kb.encode(with: try DPRPassageEncoder(encoder: DPRPassageEncoder.snapshot(of: ctx), tokenizer: dpr))
        try kb.buildIndex(.hnsw())
        let q = try DPREncoder.load(from: fixtures.appendingPathComponent("question_encoder"))
        let g = try BartModel.load(from: fixtures.appendingPathComponent("generator"))
        var c = RagConfig(questionEncoder: q.config, generator: g.config)
        c.nDocs = 3
        c.maxCombinedLength = 64
        let rag = try M(config: c, questionEncoder: q, generator: g, retriever: kb, questionTokenizer: dpr, generatorTokenizer: bart)
        try rag.setContextEncoderForTraining(ctx)
        rag.setContextEncoderTokenizer(dpr)
        return rag
    }

    static func options() -> RagFineTuneOptions {
        var o = RagFineTuneOptions()
        (o.trainBatchSize, o.evalBatchSize, o.nTrain, o.nVal, o.nTest) = (4, 4, 16, 4, 4)
        (o.maxSourceLength, o.maxTargetLength, o.valMaxTargetLength, o.testMaxTargetLength) = (32, 25, 8, 8)
        (o.labelSmoothing, o.endToEnd, o.indexM, o.doPredict) = (0.1, true, 16, true)
        (o.trainer.learningRate, o.trainer.schedule, o.trainer.warmupSteps, o.trainer.maxGradNorm) = (1e-2, .polynomial, 2, 1.0)
        (o.trainer.weightDecay, o.trainer.maxEpochs, o.trainer.indexingFrequency) = (0.001, 3, 2)
        return o
    }

    /// Summed eval-mode loss over the training examples (file order).
    static func trainSetLoss(_ ft: RagFineTune) throws -> Double {
        let m = ft.model, l = ft.trainLoader
        m.eval()
        return try Tensor.withNoGrad {
            try (0..<l.batchesPerEpoch).reduce(0.0) { acc, i in
                let b = try l.batch(epoch: 0, index: i)
                return acc + Double(try m(inputIds: b.inputIds, attentionMask: b.attentionMask, labels: b.decoderInputIds, reduceLoss: true).loss!.item())
            }
        }
    }

    static func tempDir(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    }

    func testEndToEndFineTuneLossFallsAndRefreshesKB() throws {
        let rag = try Self.makeModel()
        let initialKB = try XCTUnwrap(rag.retriever as? KnowledgeBase)
        var o = Self.options()
        (o.trainer.validateEvery, o.trainer.maxEpochs) = (10, 5)
        o.indexShards = 2
        let out = Self.tempDir("ragft")
        defer { try? FileManager.default.removeItem(at: out) }
        let ft = try RagFineTune(model: rag, data: Self.data, output: out, options: o)
        var logs: [String] = [], progress: [String] = []
        var installed: [KnowledgeBase] = []
        ft.log = { logs.append($0) }
        ft.progress = { progress.append($0) }
        ft.refresher?.onInstall = { installed.append($0) }
        let before = try Self.trainSetLoss(ft)
        let s = try ft.run()

        XCTAssertEqual(s.steps, 20)                               // 4 batches × 5 epochs, no accumulation
        XCTAssertFalse(s.cancelled)
        // Batch losses are sums over differently long targets (and background refreshes make the run
        // timing-dependent): compare whole epochs, and the eval-mode loss of the training set before/after.
        let losses = ft.trainer.state.lossHistory.map(\.loss)
        XCTAssertLessThan(losses.suffix(4).reduce(0, +), losses.prefix(4).reduce(0, +), "training loss must fall: \(losses)")
        let after = try Self.trainSetLoss(ft)
        XCTAssertLessThan(after, 0.75 * before, "training-set loss before \(before), after \(after)")
        // Refresh at micro-batch 2 of each epoch (rag-end2end-retriever `finetune_rag.py` + `kb_encode_utils.py` (KB re-encoding): index ≠ 0, multiple of indexing_freq), in the background.
        XCTAssertFalse(s.refreshes.isEmpty)
        XCTAssertTrue(s.refreshes.allSatisfy { $0.error == nil && $0.endStep >= $0.startStep }, "\(s.refreshes)")
        XCTAssertEqual(installed.count, s.refreshes.count)
        let live = try XCTUnwrap(rag.retriever as? KnowledgeBase)
        XCTAssertTrue(live === installed.last)
        XCTAssertFalse(live === initialKB)
        XCTAssertNotEqual(live.embeddings, initialKB.embeddings, "the refreshed KB holds the trained encoder's vectors")
        XCTAssertEqual(live.manifest.index?.kind, "hnsw")
        XCTAssertTrue(logs.contains { $0.hasPrefix("KB refresh started at step") && $0.contains("installed") }, "\(logs)")
        XCTAssertEqual(progress.count, 20)
        XCTAssertTrue(progress[0].hasPrefix("step 1/20 | loss "), progress[0])

        // metrics.json (val after each validation + test), checkpoints in the seed layout, curves.svg.
        let vals = try XCTUnwrap(ft.trainer.state.metrics.records["val"])
        XCTAssertEqual(vals.count, 2)
        XCTAssertEqual(vals[0].entries.map(\.name), ["val_avg_loss", "val_avg_em", "val_avg_gen_time", "val_avg_gen_len", "step_count"])
        let test = try XCTUnwrap(s.test)
        XCTAssertNotNil(test["test_avg_em"])
        let json = try String(contentsOf: out.appendingPathComponent("metrics.json"), encoding: .utf8)
        XCTAssertTrue(json.contains("\"test\": [") && json.contains("\"step_count\": 2"), json)
        let dir = CheckpointDirectory(out)
        XCTAssertEqual(dir.completedSteps(), [1, 2])
        for f in ["config.json", "model.safetensors", "question_encoder_tokenizer", "generator_tokenizer", "trainer_state/kb/kb.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.modelFolder(step: 2).appendingPathComponent(f).path), f)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.contextEncoderFolder(step: 2).appendingPathComponent("model.safetensors").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("curves.svg").path))
        // The saved model reloads (transformers' layout) with the trained weights.
        let back = try RagTokenForGeneration.load(from: dir.modelFolder(step: 2), retriever: live)
        let trained = Dictionary(uniqueKeysWithValues: rag.stateDict().map { ($0.name, $0.tensor.scalars) })
        for (n, t) in back.stateDict() { XCTAssertEqual(trained[n], t.scalars, n) }
    }

    /// Run A uninterrupted; run B stopped right after its first checkpoint (as a kill would leave it, later
    /// progress is lost); run C = fresh models + `resume` from B's output. C ends with A's weights and KB,
    /// bit for bit (synchronous refreshes, dropout 0.1 in the generator, accumulation 2).
    func testStopAndResumeMatchesUninterruptedRun() throws {
        var o = Self.options()
        (o.refreshMode, o.dropout, o.attentionDropout) = (.synchronous, 0.1, 0.1)
        (o.trainer.gradientAccumulationSteps, o.trainer.validateEvery, o.trainer.maxEpochs, o.nTrain) = (2, 2, 4, 8)
        (o.doPredict, o.trainer.indexingFrequency) = (false, 1)
        let outA = Self.tempDir("ragft-a"), outB = Self.tempDir("ragft-b")
        defer { for d in [outA, outB] { try? FileManager.default.removeItem(at: d) } }

        let a = try RagFineTune(model: try Self.makeModel(), data: Self.data, output: outA, options: o)
        let sa = try a.run()
        XCTAssertEqual(sa.steps, 4)                                // 2 micro-batches per epoch, 1 update each
        XCTAssertFalse(sa.refreshes.isEmpty)

        let b = try RagFineTune(model: try Self.makeModel(), data: Self.data, output: outB, options: o)
        b.log = { if $0.hasPrefix("checkpoint") { b.cancel() } }
        let sb = try b.run()
        XCTAssertTrue(sb.cancelled)
        XCTAssertEqual(sb.steps, 2)
        XCTAssertEqual(CheckpointDirectory(outB).latestStep(), 1)

        var resumeOptions = o
        resumeOptions.resume = true
        let c = try RagFineTune(model: try Self.makeModel(), data: Self.data, output: outB, options: resumeOptions)
        let sc = try c.run()
        XCTAssertEqual(c.resumedFrom, 1)
        XCTAssertEqual(sc.steps, 4)
        let wantA = Dictionary(uniqueKeysWithValues: a.model.stateDict().map { ($0.name, $0.tensor.scalars) })
        let gotC = c.model.stateDict()
        XCTAssertEqual(gotC.count, wantA.count)
        for (n, t) in gotC { XCTAssertEqual(t.scalars, wantA[n], "\(n) differs after resume") }
        let kbA = try XCTUnwrap(a.model.retriever as? KnowledgeBase), kbC = try XCTUnwrap(c.model.retriever as? KnowledgeBase)
        XCTAssertEqual(kbA.embeddings, kbC.embeddings)
        XCTAssertEqual(a.trainer.state.lossHistory, c.trainer.state.lossHistory)
        XCTAssertEqual(a.trainer.state.metrics.records["val"]?.count, c.trainer.state.metrics.records["val"]?.count)
    }

    func testEvaluateReturnsSeedMetricsAndSquadScores() throws {
        let rag = try Self.makeModel()
        rag.config.nDocs = 6                                       // every passage: both titles retrieved
        let dir = Self.tempDir("rageval")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for f in ["test.source", "test.target"] {
            try FileManager.default.copyItem(at: Self.data.appendingPathComponent(f), to: dir.appendingPathComponent(f))
        }
        let targets = try Seq2SeqData.lines(dir.appendingPathComponent("test.target"))
        try targets.map { "[\"\($0)\", \"x\"]" }.joined(separator: "\n").write(to: dir.appendingPathComponent("test.answers.jsonl"), atomically: true, encoding: .utf8)
        try Array(repeating: "Aaron\tPokémon", count: targets.count).joined(separator: "\n")
            .write(to: dir.appendingPathComponent("test.gold"), atomically: true, encoding: .utf8)
        var o = RagFineTuneOptions()
        (o.evalBatchSize, o.testMaxTargetLength) = (3, 6)
        let m = try RagEvaluation.evaluate(rag, data: dir, split: "test", options: o)
        XCTAssertEqual(m.entries.map(\.name), ["test_avg_loss", "test_avg_em", "test_avg_gen_time", "test_avg_gen_len",
                                              "test_squad_em", "test_squad_f1", "test_recall_at_6"])
        XCTAssertGreaterThan(m["test_avg_loss"]!, 0)
        XCTAssertLessThanOrEqual(m["test_avg_gen_len"]!, 6)
        XCTAssertEqual(m["test_recall_at_6"]!, 100)
        XCTAssertGreaterThanOrEqual(m["test_squad_f1"]!, 100 * m["test_avg_em"]! - 1e-9)
        XCTAssertFalse(rag.isTraining)
    }

    /// A refresh whose build fails (here: a ctx tokenizer whose pad id differs from the encoder's) keeps the
    /// live KB and its record says why, in both modes; a good one swaps the KB.
    func testFailedRefreshKeepsTheOldKB() throws {
        for mode in [RagFineTuneOptions.RefreshMode.background, .synchronous] {
            let rag = try Self.makeModel()
            let old = try XCTUnwrap(rag.retriever as? KnowledgeBase)
            rag.setContextEncoderTokenizer(rag.generatorTokenizer)
            var o = Self.options()
            o.refreshMode = mode
            let driver = try RagKBRefresh(model: rag, options: o).driver()
            XCTAssertTrue(driver.trigger(step: 3))
            driver.waitForCompletion()
            let r = try XCTUnwrap(driver.poll(step: 4))
            XCTAssertEqual(r.startStep, 3)
            XCTAssertTrue(r.error?.contains("pad id") ?? false, "\(r)")
            XCTAssertTrue(r.summary.contains("keeping the previous KB"), r.summary)
            XCTAssertTrue(rag.retriever as? KnowledgeBase === old)

            rag.setContextEncoderTokenizer(rag.questionTokenizer)
            let good = try RagKBRefresh(model: rag, options: o)
            let fresh = try good.refreshNow()
            XCTAssertTrue(rag.retriever as? KnowledgeBase === fresh)
            XCTAssertEqual(fresh.count, old.count)
            XCTAssertEqual(fresh.embeddings, old.embeddings, "same encoder weights, same vectors (eval mode)")
        }
    }

    /// RAG-sequence through the same loop: its loss, thorough-decoding validation (no deduplication), test.
    func testRagSequenceFineTune() throws {
        let rag = try Self.makeModel(RagSequenceForGeneration.self)
        var o = Self.options()
        (o.nTrain, o.trainer.maxEpochs, o.valMaxTargetLength, o.testMaxTargetLength, o.evalNumBeams) = (8, 1, 4, 4, 2)
        let out = Self.tempDir("ragft-seq")
        defer { try? FileManager.default.removeItem(at: out) }
        let ft = try RagFineTune(model: rag, data: Self.data, output: out, options: o)
        let s = try ft.run()
        XCTAssertEqual(s.steps, 2)
        XCTAssertTrue(ft.model is RagSequenceForGeneration)
        XCTAssertNotNil(s.validation?["val_avg_em"])
        XCTAssertLessThanOrEqual(try XCTUnwrap(s.test?["test_avg_gen_len"]), 4)
        let config = try String(contentsOf: CheckpointDirectory(out).modelFolder(step: 1).appendingPathComponent("config.json"), encoding: .utf8)
        XCTAssertTrue(config.contains("RagSequenceForGeneration"))
    }

    func testOptionErrorsNameTheSetting() throws {
        var o = RagFineTuneOptions()
        o.trainBatchSize = 0
        XCTAssertThrowsError(try RagFineTune(model: try Self.makeModel(), data: Self.data, output: Self.tempDir("x"), options: o)) {
            XCTAssertTrue("\($0)".contains("train_batch_size"), "\($0)")
        }
        XCTAssertThrowsError(try RagFineTune(model: try Self.makeModel(), data: Self.data, output: Self.tempDir("x"), options: RagFineTuneOptions())) {
            XCTAssertTrue("\($0)".contains("end2end"), "\($0)")
        }
    }
}
