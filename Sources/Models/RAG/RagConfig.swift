import Foundation

/// `RagConfig` (transformers `configuration_rag.py`): the RAG top-level keys plus the question encoder's (DPR) and the
/// generator's (BART) full configs. Absent keys take transformers' defaults.
///
///     var c = RagConfig(questionEncoder: q.config, generator: g.config)
///     c.labelSmoothing = 0.1; c.nDocs = 5
public struct RagConfig: Equatable, Sendable {
    public var questionEncoder: BertConfig
    public var generator: BartConfig
    public var titleSeparator = " / "
    public var docSeparator = " // "
    public var nDocs = 5
    public var maxCombinedLength = 300
    public var retrievalVectorSize = 768
    public var retrievalBatchSize = 8
    public var dataset = "wiki_dpr"
    public var datasetSplit = "train"
    public var datasetRevision: String?
    public var indexName = "compressed"
    public var indexPath: String?
    public var passagesPath: String?
    public var useDummyDataset = false
    /// Sum the losses over the batch (the research project passes `reduce_loss=True` explicitly).
    public var reduceLoss = false
    /// ε of transformers `RagTokenForGeneration.get_nll`/transformers `RagSequenceForGeneration.get_nll` (also used by RAG-sequence rescoring, transformers `RagSequenceForGeneration.generate`).
    public var labelSmoothing = 0.0
    public var doDeduplication = true
    public var excludeBosScore = false
    public var doMarginalize = false
    public var outputRetrieved = false
    /// `generator.config.prefix` in the reference; prepended to every generator input string.
    public var prefix: String?
    /// Top-level `bos_token_id` (usually null); RAG-sequence's `use_bos` falls through to the generator's
    /// when this is null or 0 (Python `or`, transformers `RagSequenceForGeneration.get_nll`).
    public var bosTokenId: Int?

    public init(questionEncoder: BertConfig, generator: BartConfig) {
        self.questionEncoder = questionEncoder
        self.generator = generator
    }

    /// Documents per question: each is a generator input row, so thousands already mean a batch no model
    /// step holds; the bound keeps a mistyped n_docs an error instead of an allocation of its size.
    public static let maxDocs = 1024

    public func validate() throws {
        guard nDocs >= 1, nDocs <= Self.maxDocs else { throw RAGError.config("n_docs must be from 1 to \(Self.maxDocs), got \(nDocs)") }
        guard maxCombinedLength <= 1 << 20 else { throw RAGError.config("max_combined_length must be at most \(1 << 20), got \(maxCombinedLength)") }
        guard maxCombinedLength >= 2 else { throw RAGError.config("max_combined_length must be >= 2, got \(maxCombinedLength)") }
        guard (0.0..<1.0).contains(labelSmoothing) else { throw RAGError.config("label_smoothing must be in [0, 1), got \(labelSmoothing)") }
    }

    /// Keys transformers writes that do not change the computation here.
    static let ignoredKeys: Set<String> = [
        "save_step", "is_encoder_decoder", "eos_token_id", "pad_token_id", "decoder_start_token_id", "vocab_size",
        "forced_eos_token_id", "output_attentions",
    ]

    /// Parses a composite `config.json` (`model_type: "rag"`).
    public init(json: [String: Any], source: String = "config.json") throws {
        guard var q = json["question_encoder"] as? [String: Any], let g = json["generator"] as? [String: Any] else {
            throw ModelError.config("\(source): a RAG config needs \"question_encoder\" and \"generator\" objects")
        }
        // Inside a composite config transformers 5 writes every generic PretrainedConfig key of the
        // sub-configs; those at their defaults change nothing and are dropped before the closed parsing.
        let genericDefaults: [String: Bool] = ["is_encoder_decoder": false, "add_cross_attention": false, "is_decoder": false]
        for (key, value) in genericDefaults where (q[key] as? Bool) == value { q[key] = nil }
        self.init(questionEncoder: try BertConfig(json: q, source: source + " question_encoder"),
                  generator: try BartConfig(json: g, source: source + " generator"))
        var r = ConfigReader(json: json, source: source)
        r.seen.formUnion(["question_encoder", "generator"])
        let type = try r.string("model_type", "")
        guard type == "rag" else { throw ModelError.config("\(source): model_type \"\(type)\" is not \"rag\"") }
        titleSeparator = try r.string("title_sep", titleSeparator)
        docSeparator = try r.string("doc_sep", docSeparator)
        nDocs = try r.int("n_docs", nDocs)
        maxCombinedLength = try r.int("max_combined_length", maxCombinedLength)
        retrievalVectorSize = try r.int("retrieval_vector_size", retrievalVectorSize)
        retrievalBatchSize = try r.int("retrieval_batch_size", retrievalBatchSize)
        dataset = try r.string("dataset", dataset)
        datasetSplit = try r.string("dataset_split", datasetSplit)
        datasetRevision = try r.optionalString("dataset_revision")
        indexName = try r.string("index_name", indexName)
        indexPath = try r.optionalString("index_path")
        passagesPath = try r.optionalString("passages_path")
        useDummyDataset = try r.bool("use_dummy_dataset", useDummyDataset)
        reduceLoss = try r.bool("reduce_loss", reduceLoss)
        labelSmoothing = try r.double("label_smoothing", labelSmoothing)
        doDeduplication = try r.bool("do_deduplication", doDeduplication)
        excludeBosScore = try r.bool("exclude_bos_score", excludeBosScore)
        doMarginalize = try r.bool("do_marginalize", doMarginalize)
        outputRetrieved = try r.bool("output_retrieved", outputRetrieved)
        prefix = try r.optionalString("prefix")
        bosTokenId = try r.optionalInt("bos_token_id", nil)
        try r.finish(extraIgnored: Self.ignoredKeys)
        try validate()
    }

    /// The `config.json` object transformers 5.24 writes for `RagTokenForGeneration` /
    /// `RagSequenceForGeneration` (docs/rag-parity.md §7; `saveStep` as the research project adds it).
    func json(architecture: String, saveStep: Int?) -> [String: Any] {
        func opt(_ v: Any?) -> Any { v ?? NSNull() }
        var d: [String: Any] = [
            "architectures": [architecture], "model_type": "rag", "bos_token_id": opt(bosTokenId),
            "dataset": dataset, "dataset_revision": opt(datasetRevision), "dataset_split": datasetSplit,
            "decoder_start_token_id": NSNull(), "do_deduplication": doDeduplication, "do_marginalize": doMarginalize,
            "doc_sep": docSeparator, "dtype": "float32", "eos_token_id": NSNull(), "exclude_bos_score": excludeBosScore,
            "generator": generator.json(), "index_name": indexName, "index_path": opt(indexPath),
            "is_encoder_decoder": true, "label_smoothing": labelSmoothing, "max_combined_length": maxCombinedLength,
            "n_docs": nDocs, "output_retrieved": outputRetrieved, "pad_token_id": NSNull(),
            "passages_path": opt(passagesPath), "prefix": opt(prefix),
            "question_encoder": questionEncoder.json(modelType: "dpr", architecture: "DPRQuestionEncoder"),
            "reduce_loss": reduceLoss, "retrieval_batch_size": retrievalBatchSize,
            "retrieval_vector_size": retrievalVectorSize, "title_sep": titleSeparator, "use_cache": true,
            "use_dummy_dataset": useDummyDataset, "vocab_size": NSNull(), "transformers_version": "5.24.0",
        ]
        if let saveStep { d["save_step"] = saveStep }
        return d
    }
}

extension ConfigReader {
    mutating func optionalString(_ key: String) throws -> String? {
        seen.insert(key)
        guard let raw = json[key], !(raw is NSNull) else { return nil }
        guard let s = raw as? String else { throw ModelError.config("\(source): \"\(key)\" must be a string or null, got \(raw)") }
        return s
    }
}
