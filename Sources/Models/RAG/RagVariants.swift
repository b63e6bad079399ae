import Tensor

/// RAG-token (transformers `RagTokenForGeneration.marginalize`; transformers `RagTokenForGeneration.get_nll`; transformers `RagTokenForGeneration.generate`): the generator's next-token distribution is marginalised over
/// the documents at every position.
///
///     let rag = try RagTokenForGeneration(config: c, questionEncoder: q, generator: g, retriever: kb,
///                                         questionTokenizer: qt, generatorTokenizer: gt)
///     let out = try rag(inputIds: ids, attentionMask: mask, labels: labels, reduceLoss: true)
///     try out.loss!.backward()
public final class RagTokenForGeneration: RagForGeneration {
    override public func nll(logits: Tensor, docScores: Tensor, labels: IntTensor, reduceLoss: Bool,
                             labelSmoothing: Double, excludeBosScore: Bool) throws -> Tensor {
        try RagLoss.token(logits: logits, docScores: docScores, labels: labels, pad: generator.config.padTokenId,
                          reduce: reduceLoss, epsilon: labelSmoothing)
    }

    /// `do_marginalize` (config) returns the marginal log-probabilities `[B, T, V]` instead of raw logits.
    override public func outputLogits(_ logits: Tensor, docScores: Tensor) throws -> Tensor {
        guard config.doMarginalize else { return logits }
        let b = docScores.shape[0], n = docScores.shape[1]
        let seq = try logits.logSoftmax(dim: -1).reshaped([b, n, logits.shape[1], logits.shape[2]])
        return try (seq + docScores.logSoftmax(dim: 1).reshaped([b, n, 1, 1])).logsumexp(dim: 1)
    }
}

/// RAG-sequence (transformers `RagSequenceForGeneration.get_nll`; transformers `RagSequenceForGeneration.generate`): one document per whole answer, marginalised over documents.
public final class RagSequenceForGeneration: RagForGeneration {
    override public func nll(logits: Tensor, docScores: Tensor, labels: IntTensor, reduceLoss: Bool,
                             labelSmoothing: Double, excludeBosScore: Bool) throws -> Tensor {
        let bos = (config.bosTokenId ?? 0) != 0 ? config.bosTokenId : generator.config.bosTokenId
        return try RagLoss.sequence(logits: logits, docScores: docScores, labels: labels, pad: generator.config.padTokenId,
                                    bos: bos, reduce: reduceLoss, epsilon: labelSmoothing, excludeBos: excludeBosScore)
    }
}
