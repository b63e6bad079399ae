import Cluster
import Dispatch
import Foundation
import KB
import Models
import Tensor
import Tokenizers

/// Validation and test of a RAG model on a split (rag-end2end-retriever `finetune_rag.py` validation; rag-end2end-retriever `utils_rag.py` / `eval_rag.py` metrics): per batch the summed RAG loss (eval
/// mode, no grad), generation with `max_length`, decoding of predictions and targets, the seed's EM against
/// the one target line; per split the seed's four averages, plus SQuAD any-answer EM/F1 (×100) when
/// answers are known and retrieval recall@k (×100, k = n_docs, titles quote-stripped as transformers `retrieval_rag.py` (`RagRetriever`)) when gold
/// titles are known.
///
///     let m = try RagEvaluation.evaluate(rag, data: dir, split: "test")   // test_avg_em, test_avg_loss, …
public enum RagEvaluation {
    public struct Result {
        /// `{p}_avg_loss, {p}_avg_em, {p}_avg_gen_time, {p}_avg_gen_len` (+ `{p}_squad_em, {p}_squad_f1`,
        /// `{p}_recall_at_{k}` when available).
        public var record: MetricsRecord
        public var predictions: [String]
        public var targets: [String]
    }

    /// Settings of one evaluation pass.
    public struct Settings {
        public var prefix: String
        public var maxLength: Int
        public var numBeams: Int?
        /// Per question: acceptable answers (SQuAD EM/F1) and gold passage titles (recall@k).
        public var answers: [[String]]?
        public var goldTitles: [[String]]?
        public init(prefix: String, maxLength: Int, numBeams: Int? = nil, answers: [[String]]? = nil, goldTitles: [[String]]? = nil) {
            self.prefix = prefix
            self.maxLength = maxLength
            self.numBeams = numBeams
            self.answers = answers
            self.goldTitles = goldTitles
        }
    }

    /// Loads `{split}` of `data` (seed layout) with the options' lengths, limits and batch size, picks up
    /// `{split}.answers.jsonl` / `{split}.gold` if present, and evaluates. `split` is "val" or "test" (or any
    /// other file stem; its metric prefix is the split name).
    /// `answers` / `gold` name those files explicitly (instead of `{split}.answers.jsonl` / `{split}.gold`).
    public static func evaluate(_ model: RagForGeneration, data: URL, split: String,
                                options: RagFineTuneOptions = RagFineTuneOptions(), answers: URL? = nil,
                                gold: URL? = nil) throws -> MetricsRecord {
        try evaluateWithPredictions(model, data: data, split: split, options: options, answers: answers, gold: gold).record
    }

    /// `evaluate`, keeping the decoded predictions and targets in file order (for per-question scores).
    public static func evaluateWithPredictions(_ model: RagForGeneration, data: URL, split: String,
                                               options: RagFineTuneOptions = RagFineTuneOptions(), answers: URL? = nil,
                                               gold: URL? = nil, progress: ProgressReporter? = nil,
                                               isCancelled: (() -> Bool)? = nil) throws -> Result {
        let targetLength = split == "test" ? options.testMaxTargetLength : options.valMaxTargetLength
        let limit = split == "test" ? options.nTest : split == "val" ? options.nVal : -1
        let loader = try loader(model, data: data, split: split, options: options, targetLength: targetLength, limit: limit)
        let settings = try settings(data: data, split: split, options: options, maxLength: targetLength, count: loader.examples.count,
                                    answers: answers, gold: gold)
        return try run(model, loader: loader, settings: settings, progress: progress, isCancelled: isCancelled)
    }

    static func loader(_ model: RagForGeneration, data: URL, split: String, options: RagFineTuneOptions,
                       targetLength: Int, limit: Int) throws -> BatchLoader {
        let collator = try Seq2SeqCollator(sourceTokenizer: model.questionTokenizer, targetTokenizer: model.generatorTokenizer,
                                           maxSourceLength: options.maxSourceLength, maxTargetLength: targetLength)
        let examples = try Seq2SeqData.load(directory: data, split: split, prefix: options.prefix ?? "", limit: limit)
        return try BatchLoader(examples: examples, batchSize: options.evalBatchSize, shuffle: false, seed: options.seed, collator: collator)
    }

    /// Evaluation settings of `split`, with the answers/gold files of the data directory when they exist
    /// (their first `count` lines; fewer lines than questions is an error).
    static func settings(data: URL, split: String, options: RagFineTuneOptions, maxLength: Int, count: Int,
                         answers: URL? = nil, gold: URL? = nil) throws -> Settings {
        var s = Settings(prefix: split, maxLength: maxLength, numBeams: options.evalNumBeams)
        for url in [answers, gold].compactMap({ $0 }) where !FileManager.default.fileExists(atPath: url.path) {
            throw TrainError.data("\(url.path) does not exist")
        }
        let answersURL = answers ?? data.appendingPathComponent(split + options.answersSuffix)
        if FileManager.default.fileExists(atPath: answersURL.path) {
            s.answers = try prefix(try Evaluation.loadAnswers(answersURL), count, answersURL)
        }
        let goldURL = gold ?? data.appendingPathComponent(split + options.goldSuffix)
        if FileManager.default.fileExists(atPath: goldURL.path) {
            let rows = try Seq2SeqData.lines(goldURL).map { $0.split(separator: "\t").map { GeneratorInput.stripOneQuote(String($0)) } }
            s.goldTitles = try prefix(rows, count, goldURL)
        }
        return s
    }

    private static func prefix<T>(_ rows: [T], _ count: Int, _ url: URL) throws -> [T] {
        guard rows.count >= count else { throw TrainError.data("\(url.path) has \(rows.count) lines for \(count) questions") }
        return Array(rows.prefix(count))
    }

    /// Evaluates every batch of `loader` in file order. The model is switched to eval mode and back.
    /// `progress` counts questions; `isCancelled` is polled before every batch (true: `TrainError.cancelled`).
    /// Under `mpirun` the batches are dealt to the ranks (batch i to rank i mod n) and every rank gathers
    /// every batch's outcome, so each ends with the record one process computes from the same batches.
    public static func run(_ model: RagForGeneration, loader: BatchLoader, settings: Settings, progress: ProgressReporter? = nil,
                           isCancelled: (() -> Bool)? = nil) throws -> Result {
        let wasTraining = model.isTraining
        model.eval()
        defer { if wasTraining { model.train() } }
        let gen = model.generationConfig(maxLength: settings.maxLength, minLength: 1, numBeams: settings.numBeams)
        let pad = model.generator.config.padTokenId
        let mine = Array(stride(from: Cluster.rank, to: loader.batchesPerEpoch, by: Cluster.size))
        var outcomes: [BatchOutcome] = []
        // This rank's questions, counted without collating its batches twice.
        let n = loader.examples.count, size = loader.batchSize
        progress?.start(total: mine.reduce(0) { $0 + min(size, n - $1 * size) })
        try Tensor.withNoGrad {
            for i in mine {
                if isCancelled?() == true { throw TrainError.cancelled }
                let b = try loader.batch(epoch: 0, index: i)
                let out = try model(inputIds: b.inputIds, attentionMask: b.attentionMask, labels: b.decoderInputIds, reduceLoss: true)
                guard let loss = out.loss else { throw TrainError.data("the RAG forward returned no loss") }
                let t0 = DispatchTime.now().uptimeNanoseconds
                let rows = try generate(model, b, gen)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
                let (p, width) = try ValidationAccumulator.decode(rows: rows, pad: pad, tokenizer: model.generatorTokenizer)
                let t = try ValidationAccumulator.decode(b.decoderInputIds, tokenizer: model.generatorTokenizer)
                var retrieved: [[String]] = []
                if settings.goldTitles != nil {
                    let d = out.context.documents
                    retrieved = (0..<d.questionCount).map { q in d.titles[(q * d.nDocs)..<((q + 1) * d.nDocs)].map(GeneratorInput.stripOneQuote) }
                }
                outcomes.append(BatchOutcome(index: i, loss: Double(try loss.item()), predictions: p, targets: t,
                                             seconds: seconds, width: width, retrieved: retrieved))
                progress?.advance(by: b.size)
            }
        }
        progress?.finish()
        var acc = ValidationAccumulator(prefix: settings.prefix)
        var predictions: [String] = [], targets: [String] = [], retrieved: [[String]] = []
        for o in try BatchOutcome.gathered(outcomes) {
            try acc.add(loss: o.loss, predictions: o.predictions, targets: o.targets, seconds: o.seconds, generatedLength: Double(o.width))
            predictions += o.predictions
            targets += o.targets
            retrieved += o.retrieved
        }
        var record = try acc.record()
        if let answers = settings.answers {
            try Evaluation.recordSquad(&record, prefix: settings.prefix, predictions: predictions,
                                       answers: Array(answers.prefix(predictions.count)))
        }
        if let gold = settings.goldTitles {
            let k = model.config.nDocs
            record.set("\(settings.prefix)_recall_at_\(k)", try Evaluation.recallAtK(retrieved: retrieved, gold: Array(gold.prefix(retrieved.count)), k: k))
        }
        return Result(record: record, predictions: predictions, targets: targets)
    }

    /// What one evaluation batch produced, as ranks exchange it.
    struct BatchOutcome: Codable {
        var index: Int
        var loss: Double
        var predictions: [String]
        var targets: [String]
        var seconds: Double
        var width: Int
        var retrieved: [[String]]

        /// Every rank's outcomes in batch order (this rank's alone in one process).
        static func gathered(_ mine: [BatchOutcome]) throws -> [BatchOutcome] {
            guard Cluster.size > 1 else { return mine }
            let parts = try Cluster.allGather(Array(try JSONEncoder().encode(mine)))
            return try parts.flatMap { try JSONDecoder().decode([BatchOutcome].self, from: Data($0)) }.sorted { $0.index < $1.index }
        }
    }

    /// rag-end2end-retriever `finetune_rag.py` validation generation: RAG-token as configured; RAG-sequence without deduplication (`do_deduplication=False`).
    static func generate(_ model: RagForGeneration, _ b: Seq2SeqBatch, _ gen: GenerationConfig) throws -> [[Int]] {
        try model.generate(inputIds: b.inputIds, attentionMask: b.attentionMask, config: gen, deduplicate: false)
    }
}
