import Foundation
import Tensor

/// The two RAG heads. `architecture` is transformers' class name (config.json `architectures`); `modelClass` the
/// class implementing it here.
public enum RagVariant: String, CaseIterable, Sendable {
    case token, sequence

    public var architecture: String { self == .token ? "RagTokenForGeneration" : "RagSequenceForGeneration" }

    public var modelClass: RagForGeneration.Type { self == .token ? RagTokenForGeneration.self : RagSequenceForGeneration.self }

    /// The variant a checkpoint folder's `config.json` names: RAG-sequence when `architectures` lists
    /// `RagSequenceForGeneration`, otherwise RAG-token (transformers' other head and the research project's default).
    /// A missing or malformed `config.json` is an error naming the file.
    public static func of(checkpoint folder: URL) throws -> RagVariant {
        let json = try ConfigReader.load(folder.appendingPathComponent("config.json"))
        return ((json["architectures"] as? [String]) ?? []).contains(RagVariant.sequence.architecture) ? .sequence : .token
    }
}

/// RAG-token (transformers `RagTokenForGeneration.marginalize`; transformers `RagTokenForGeneration.get_nll`; transformers `RagTokenForGeneration.generate`): the generator's next-token distribution is marginalised over
/// the documents at every position.
///
///     let rag = try RagTokenForGeneration(config: c, questionEncoder: q, generator: g, retriever: kb,
///                                         questionTokenizer: qt, generatorTokenizer: gt)
///     let out = try rag(inputIds: ids, attentionMask: mask, labels: labels, reduceLoss: true)
///     try out.loss!.backward()
public final class RagTokenForGeneration: RagForGeneration {
    override public var variant: RagVariant { .token }

    /// RAG-token generation (`marginalizedGeneration`); `deduplicate` is RAG-sequence's and does not apply.
    override public func generate(inputIds: IntTensor, attentionMask: IntTensor? = nil, config generation: GenerationConfig? = nil,
                                  nDocs: Int? = nil, deduplicate: Bool? = nil) throws -> [[Int]] {
        try marginalizedGeneration(inputIds: inputIds, attentionMask: attentionMask, config: generation, nDocs: nDocs)
    }

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
    override public var variant: RagVariant { .sequence }

    /// RAG-sequence "thorough decoding" (`thoroughDecoding`): the `numReturnSequences` best candidates per question,
    /// rows padded with `<pad>` to the longest.
    override public func generate(inputIds: IntTensor, attentionMask: IntTensor? = nil, config generation: GenerationConfig? = nil,
                                  nDocs: Int? = nil, deduplicate: Bool? = nil) throws -> [[Int]] {
        let found = try thoroughDecoding(inputIds: inputIds, attentionMask: attentionMask, config: generation, nDocs: nDocs,
                                         deduplicate: deduplicate)
        let rows = found.flatMap { c in c.chosen.map { c.candidates[$0] } }
        let width = rows.map(\.count).max() ?? 0
        return rows.map { $0 + Array(repeating: generator.config.padTokenId, count: width - $0.count) }
    }

    override public func nll(logits: Tensor, docScores: Tensor, labels: IntTensor, reduceLoss: Bool,
                             labelSmoothing: Double, excludeBosScore: Bool) throws -> Tensor {
        let bos = (config.bosTokenId ?? 0) != 0 ? config.bosTokenId : generator.config.bosTokenId
        return try RagLoss.sequence(logits: logits, docScores: docScores, labels: labels, pad: generator.config.padTokenId,
                                    bos: bos, reduce: reduceLoss, epsilon: labelSmoothing, excludeBos: excludeBosScore)
    }
}
