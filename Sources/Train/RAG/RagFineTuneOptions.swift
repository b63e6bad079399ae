import Foundation
import KB

/// Settings of a RAG fine-tune (rag-end2end-retriever `finetune_rag.py`), with the research project's option names (`finetune_rag.py`)
/// in comments and its defaults. The optimizer/schedule/loop settings live in `trainer`
/// (`TrainerOptions`: learning_rate, weight_decay, adam_epsilon, lr_scheduler, warmup_steps,
/// gradient_accumulation_steps, max_grad_norm, max_epochs, indexing_freq, val_check_interval).
public struct RagFineTuneOptions: Codable, Equatable, Sendable {
    public var trainer = TrainerOptions()
    public var maxSourceLength = 128          // --max_source_length
    public var maxTargetLength = 25           // --max_target_length (train targets)
    public var valMaxTargetLength = 25        // --val_max_target_length (val targets and generation)
    public var testMaxTargetLength = 25       // --test_max_target_length
    public var trainBatchSize = 32            // --train_batch_size
    public var evalBatchSize = 32             // --eval_batch_size
    public var nTrain = -1                    // --n_train (−1 = all)
    public var nVal = -1                      // --n_val
    public var nTest = -1                     // --n_test
    /// ε of the RAG loss (transformers `RagTokenForGeneration.get_nll`/transformers `RagSequenceForGeneration.get_nll`); also written into the model's config (saved in checkpoints).
    public var labelSmoothing = 0.0           // --label_smoothing
    /// Generator dropouts, applied only when set (the seed overrides `config.generator` "if given", rag-end2end-retriever `finetune_rag.py` model set-up).
    public var dropout: Double?               // --dropout
    public var attentionDropout: Double?      // --attention_dropout
    public var encoderLayerdrop: Double?      // --encoder_layerdrop
    public var decoderLayerdrop: Double?      // --decoder_layerdrop
    /// Seeds the train shuffling and, on a fresh run, every dropout generator (`pl.seed_everything`).
    public var seed: UInt64 = 42              // --seed
    /// Prepended to every source line (the question encoder's prefix).
    public var prefix: String?                // --prefix
    /// End-to-end retriever training: needs a context encoder + tokenizer on the model (rag-end2end-retriever `finetune_rag.py` model set-up). The KB
    /// is refreshed every `trainer.indexingFrequency` micro-batches (nil: the ctx encoder trains, the KB stays).
    public var endToEnd = false               // --end2end
    /// Contiguous shards of the KB re-encoding (the seed's worker count `index_gpus`; encoded one after the
    /// other here and merged in shard order).
    public var indexShards = 1                // --index_gpus
    /// Batch size of the KB re-encoding (the seed's `embed_update` uses 16).
    public var kbBatchSize = 16
    /// HNSW of the rebuilt index (the seed's `add_index`: m 128, efConstruction 40, efSearch 16).
    public var indexM = 128
    public var indexEfConstruction = 40
    public var indexEfSearch = 16
    /// `background` (the seed: training continues, the new KB is installed at the first step boundary after
    /// the build finished) or `synchronous` (built and installed at the trigger: reproducible runs, exact resume).
    public var refreshMode = RefreshMode.background
    /// Beams of validation/test generation; nil = the generator config's (greedy for the seed's RAG-token, rag-end2end-retriever `finetune_rag.py` validation).
    public var evalNumBeams: Int?
    /// Run the test split after training (`--do_predict`); its record goes to metrics.json under "test".
    public var doPredict = false              // --do_predict
    /// Continue from the newest complete checkpoint of the output directory (model, ctx encoder, KB,
    /// optimizer, schedule, RNG states, data position); a fresh start when there is none.
    public var resume = false
    /// A fresh (non-resumed) run into an output directory that already holds checkpoints or metrics.json:
    /// false = refuse (naming them), true = delete those files first (`checkpoint*`, `dpr_ctx_checkpoint/`,
    /// `metrics.json`, `curves.svg`; nothing else).
    public var overwriteOutput = false        // --overwrite_output_dir (transformers' examples)
    /// SQuAD any-answer EM/F1 and retrieval recall@k, when these files exist in the data directory:
    /// `{split}.answers.jsonl` (JSON array of answers per line) and `{split}.gold` (tab-separated gold titles per line).
    public var answersSuffix = ".answers.jsonl"
    public var goldSuffix = ".gold"
    /// Progress line every this many optimizer steps (0 = no progress line).
    public var progressEvery = 1

    public enum RefreshMode: String, Codable, CaseIterable, Sendable { case background, synchronous }

    /// The seed's defaults; `trainer.maxEpochs` = 3 (lightning_base's `--num_train_epochs`).
    public init() { trainer.maxEpochs = 3 }

    /// The seed script's values (`finetune_rag_ray_end2end.sh`): batch 4/1, label smoothing 0.1, dropouts 0.1,
    /// weight decay 0.001, max_grad_norm 0.1, polynomial schedule, lr 3e-5, 10 epochs, 500 warm-up steps,
    /// accumulation 8, end-to-end, indexing every 500 micro-batches.
    public static var seedEndToEndScript: RagFineTuneOptions {
        var o = RagFineTuneOptions()
        (o.trainBatchSize, o.evalBatchSize, o.labelSmoothing, o.dropout, o.attentionDropout) = (4, 1, 0.1, 0.1, 0.1)
        (o.trainer.weightDecay, o.trainer.adamEpsilon, o.trainer.maxGradNorm) = (0.001, 1e-8, 0.1)
        (o.trainer.schedule, o.trainer.learningRate, o.trainer.maxEpochs, o.trainer.warmupSteps) = (.polynomial, 3e-5, 10, 500)
        o.trainer.gradientAccumulationSteps = 8
        (o.endToEnd, o.indexShards, o.trainer.indexingFrequency, o.doPredict) = (true, 1, 500, true)
        return o
    }

    var indexKind: KBIndexKind { .hnsw(m: indexM, efConstruction: indexEfConstruction, efSearch: indexEfSearch) }

    /// Checks the KB-refresh settings (shards, batch size, HNSW parameters).
    public func validateRefresh() throws {
        for (name, v) in [("index_gpus", indexShards), ("kb batch size", kbBatchSize), ("hnsw m", indexM),
                          ("ef_construction", indexEfConstruction), ("ef_search", indexEfSearch)] where v < 1 {
            throw TrainError.config("\(name) must be >= 1, got \(v)")
        }
    }

    func validate() throws {
        try validateRefresh()
        for (name, v) in [("max_source_length", maxSourceLength), ("max_target_length", maxTargetLength),
                          ("val_max_target_length", valMaxTargetLength), ("test_max_target_length", testMaxTargetLength),
                          ("train_batch_size", trainBatchSize), ("eval_batch_size", evalBatchSize)] where v < 1 {
            throw TrainError.config("\(name) must be >= 1, got \(v)")
        }
        for (name, v) in [("n_train", nTrain), ("n_val", nVal), ("n_test", nTest)] where v < -1 || v == 0 {
            throw TrainError.config("\(name) must be -1 (all) or >= 1, got \(v)")
        }
        guard (0.0..<1.0).contains(labelSmoothing) else { throw TrainError.config("label_smoothing must be in [0, 1), got \(labelSmoothing)") }
        for (name, v) in [("dropout", dropout), ("attention_dropout", attentionDropout), ("encoder_layerdrop", encoderLayerdrop),
                          ("decoder_layerdrop", decoderLayerdrop)] {
            if let v, !(0.0..<1.0).contains(v) { throw TrainError.config("\(name) must be in [0, 1), got \(v)") }
        }
        if let b = evalNumBeams, b < 1 { throw TrainError.config("eval num_beams must be >= 1, got \(b)") }
        try trainer.validate()
    }
}
