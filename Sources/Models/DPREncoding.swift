import NN
import Tensor
import Tokenizers

extension DPREncoder {
    /// Pooled embeddings `[N, outputDim]` of `texts` (with `pairs`, e.g. KB (title, text), tokenised as
    /// pairs), in batches of `batchSize` without recording gradients. Per batch, as the KB re-encoding of
    /// rag-end2end-retriever `finetune_rag.py` + `kb_encode_utils.py` (KB re-encoding): truncation to `maxLength` (default: the tokenizer's `model_max_length`,
    /// else `max_position_embeddings`, docs/rag-parity.md (version differences)), padding to the longest row, attention mask = ids != pad,
    /// token types zero. Uses the module's current mode: call `eval()` first for deterministic vectors.
    public func encode(_ texts: [String], pairs: [String]? = nil, tokenizer: Tokenizer, batchSize: Int = 16,
                       maxLength: Int? = nil) throws -> Tensor {
        guard batchSize > 0 else { throw ModelError.input("batch size must be positive, got \(batchSize)") }
        guard tokenizer.vocabSize <= config.vocabSize else {
            throw ModelError.input("tokenizer has \(tokenizer.vocabSize) ids but the encoder's vocabulary has \(config.vocabSize)")
        }
        if let pad = tokenizer.specialTokenIds.pad, pad != config.padTokenId {
            throw ModelError.input("tokenizer pads with id \(pad) but the encoder's pad_token_id is \(config.padTokenId)")
        }
        let limit = min(maxLength ?? tokenizer.modelMaxLength ?? config.maxPositionEmbeddings, config.maxPositionEmbeddings)
        var rows: [Tensor] = []
        try Tensor.withNoGrad {
            for start in stride(from: 0, to: texts.count, by: batchSize) {
                let end = min(start + batchSize, texts.count)
                let batch = try tokenizer.encodeBatch(Array(texts[start..<end]), pairs: pairs.map { Array($0[start..<end]) },
                                                      maxLength: limit, padding: .longest)
                let ids = try IntTensor(shape: [end - start, batch.ids.first?.count ?? 0], scalars: batch.ids.flatMap { $0 })
                rows.append(try pooled(inputIds: ids))
            }
        }
        if rows.isEmpty { return try Tensor.zeros([0, outputDim]) }
        return try Tensor.concat(rows, dim: 0)
    }
}
