import Foundation
import Models
import NN
import Tensor
import TestSupport
import Tokenizers
import Train
import XCTest

/// The whole non-RAG chain on the seed's dummy data: files → collated batches → Trainer (accumulation,
/// clipping, AdamW, polynomial warm-up schedule) on the tiny fixture BART → validation by greedy
/// generation, decoding and seed EM → metrics.json, checkpoints, curves.svg. The training loss must fall.
final class PipelineTests: XCTestCase {
    func testTinyBARTFineTuneOnDummyData() throws {
        let data = RepoPaths.url("test_dir/dummy-train-data")
        let bartTok = try Tokenizer.load(from: RepoPaths.url("test_dir/fixtures/rag/tokenizers/bart"))
        let model = try BartModel.load(from: RepoPaths.url("test_dir/fixtures/rag/generator"))
        model.train()
        let collator = try Seq2SeqCollator(sourceTokenizer: bartTok, targetTokenizer: bartTok, maxSourceLength: 32, maxTargetLength: 25)
        let train = try BatchLoader(examples: try Seq2SeqData.load(directory: data, split: "train", limit: 24), batchSize: 4,
                                    shuffle: true, seed: 42, collator: collator)
        let val = try BatchLoader(examples: try Seq2SeqData.load(directory: data, split: "val", limit: 4), batchSize: 2,
                                  shuffle: false, collator: collator)
        var o = TrainerOptions()
        (o.learningRate, o.schedule, o.warmupSteps, o.maxEpochs, o.gradientAccumulationSteps, o.maxGradNorm, o.validateEvery) =
            (3e-3, .polynomial, 2, 4, 2, 1.0, 6)
        o.totalSteps = TrainerOptions.seedTotalSteps(datasetSize: 24, batchSize: 4, accumulation: 2, epochs: 4)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-\(UUID())")
        defer { try? FileManager.default.removeItem(at: out) }
        let t = try Trainer(parameters: model.namedParameters(), options: o, batchesPerEpoch: train.batchesPerEpoch,
                            generators: model.dropoutGenerators(), output: CheckpointDirectory(out))
        t.saveModel = { try model.save(to: $0) }
        var lines: [String] = []
        t.progress = TrainingProgress(totalSteps: 12, every: 6, sink: { lines.append($0) })
        var gen = model.config.generation
        gen.maxLength = 8
        t.validate = { _ in
            model.eval(); defer { model.train() }
            var acc = ValidationAccumulator(prefix: "val")
            for i in 0..<val.batchesPerEpoch {
                let b = try val.batch(epoch: 0, index: i)
                let labels = try IntTensor(shape: b.decoderInputIds.shape, scalars: b.decoderInputIds.scalars.map { $0 == 1 ? -100 : $0 })
                let loss = try model(inputIds: b.inputIds, attentionMask: b.attentionMask, labels: labels).loss!.item()
                let rows = try model.generate(inputIds: b.inputIds, attentionMask: b.attentionMask, config: gen)
                let width = rows.map(\.count).max()!
                let ids = try IntTensor(shape: [rows.count, width], scalars: rows.flatMap { $0 + Array(repeating: 1, count: width - $0.count) })
                try acc.add(loss: Double(loss), predictions: try ValidationAccumulator.decode(ids, tokenizer: bartTok),
                            targets: try ValidationAccumulator.decode(b.decoderInputIds, tokenizer: bartTok),
                            seconds: 0, generatedLength: Double(width))
            }
            return try acc.record()
        }
        let summary = try t.fit(batch: { try train.batch(epoch: $0, index: $1) }) { b in
            let labels = try IntTensor(shape: b.decoderInputIds.shape, scalars: b.decoderInputIds.scalars.map { $0 == 1 ? -100 : $0 })
            return try model(inputIds: b.inputIds, attentionMask: b.attentionMask, labels: labels).loss!
        }
        XCTAssertEqual(summary.steps, 12)   // 6 micro-batches per epoch, 3 updates each
        let losses = t.state.lossHistory.map(\.loss)
        XCTAssertLessThan(losses.suffix(3).reduce(0, +), 0.8 * losses.prefix(3).reduce(0, +), "training loss must fall: \(losses)")
        XCTAssertEqual(lines.count, 2)
        let vals = t.state.metrics.records["val"]!
        XCTAssertEqual(vals.count, 2)
        XCTAssertEqual(vals.map { $0.entries.map(\.name) }[0], ["val_avg_loss", "val_avg_em", "val_avg_gen_time", "val_avg_gen_len", "step_count"])
        XCTAssertLessThan(vals[1]["val_avg_loss"]!, vals[0]["val_avg_loss"]!)
        XCTAssertEqual(CheckpointDirectory(out).completedSteps(), [1, 2])
        let reloaded = try BartModel.load(from: CheckpointDirectory(out).modelFolder(step: 2))
        for ((n, a), (_, b)) in zip(model.namedParameters(), reloaded.namedParameters()) { XCTAssertEqual(a.scalars, b.scalars, n) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("curves.svg").path))
    }
}
