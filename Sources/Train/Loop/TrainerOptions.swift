import NN
import Tensor

/// Settings of `Trainer`, with the seed's option names in comments (rag-end2end-retriever `lightning_base.py` AdamW; rag-end2end-retriever `finetune_rag.py` validation).
public struct TrainerOptions: Codable, Equatable, Sendable {
    public var learningRate = 5e-5            // --learning_rate
    public var adamEpsilon = 1e-8             // --adam_epsilon
    public var betas = [0.9, 0.999]
    public var weightDecay = 0.0              // --weight_decay
    public var noDecay = ["bias", "LayerNorm.weight"]
    public var schedule = LRSchedule.Kind.linear   // --lr_scheduler
    public var warmupSteps = 0                // --warmup_steps
    /// N of the schedule (a Double, as the seed's `total_steps()`; see `seedTotalSteps`).
    public var totalSteps = 0.0
    public var lrEnd = 1e-7                   // polynomial lr_end
    public var power = 1.0                    // polynomial power
    public var maxEpochs = 1                  // --max_epochs
    /// Stop after this many optimizer updates (nil: run `maxEpochs`).
    public var maxSteps: Int?
    public var gradientAccumulationSteps = 1  // --gradient_accumulation_steps
    /// nil: no clipping.
    public var maxGradNorm: Double? = 1.0     // --max_grad_norm
    /// Validate (+ metrics.json, checkpoint, plot) every this many optimizer updates, and at the end.
    /// (The seed passes Lightning `val_check_interval=1`, i.e. after every *micro-batch*; rag-end2end-retriever `finetune_rag.py` validation calls that
    /// probably unintended. Here the unit is the optimizer update.)
    public var validateEvery: Int?            // val_check_interval
    /// Trigger a KB refresh when the micro-batch index within the epoch is a nonzero multiple (rag-end2end-retriever `finetune_rag.py` + `kb_encode_utils.py` (KB re-encoding)).
    public var indexingFrequency: Int?        // --indexing_freq
    /// Progress line every this many updates.
    public var logEvery = 1
    public var checkpointAtValidation = true
    /// Precision of the run's matrix products: training, validation, test and KB refreshes (the seed's
    /// `--fp16` maps to bfloat16 here; docs/tensor.md "Mixed precision").
    public var precision = Precision.float32   // --fp16

    public init() {}

    /// The seed's N: `datasetSize / (batchSize · accumulation · max(1, gpus)) · epochs`, not rounded.
    public static func seedTotalSteps(datasetSize: Int, batchSize: Int, accumulation: Int, gpus: Int = 1, epochs: Int) -> Double {
        Double(datasetSize) / Double(batchSize * accumulation * max(1, gpus)) * Double(epochs)
    }

    func makeSchedule() throws -> LRSchedule {
        try LRSchedule(kind: schedule, warmupSteps: warmupSteps, trainingSteps: totalSteps, lrInit: learningRate, lrEnd: lrEnd, power: power)
    }

    func validate() throws {
        guard betas.count == 2 else { throw TrainError.config("betas needs 2 values, got \(betas)") }
        guard maxEpochs >= 1 else { throw TrainError.config("max_epochs must be >= 1, got \(maxEpochs)") }
        guard gradientAccumulationSteps >= 1 else {
            throw TrainError.config("gradient_accumulation_steps must be >= 1, got \(gradientAccumulationSteps)")
        }
        if let m = maxSteps, m < 1 { throw TrainError.config("max steps must be >= 1, got \(m)") }
        if let v = validateEvery, v < 1 { throw TrainError.config("validation interval must be >= 1, got \(v)") }
        if let f = indexingFrequency, f < 1 { throw TrainError.config("indexing_freq must be >= 1, got \(f)") }
    }
}
