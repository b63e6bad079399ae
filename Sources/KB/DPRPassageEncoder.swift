import Foundation
import Support
import Models
import Tensor
import Tokenizers

/// A DPR context encoder + its tokenizer as the KB's `PassageEncoder` (rag-end2end-retriever `finetune_rag.py` + `kb_encode_utils.py` (KB re-encoding), rag-end2end-retriever stored dataset):
/// `(title, text)` pairs through the ctx tokenizer (truncation to `maxLength`, default the tokenizer's
/// `model_max_length` or 512; padding to the longest row of each call); only the ids are passed, so the
/// encoder derives the mask as `ids != [PAD]` (token types 0), as the seed does; pooled output, no
/// gradient recording.
///
/// The encoder is switched to eval mode (the seed leaves dropout on while re-encoding; docs/rag-parity.md (version differences) recommends
/// eval), so while training give it a snapshot, never the live encoder:
///
///     let snap = try DPRPassageEncoder(encoder: DPRPassageEncoder.snapshot(of: ctx), tokenizer: ctxTok,
///                                      fingerprint: "ctx@step\(step)")
public struct DPRPassageEncoder: PassageEncoder {
    public let encoder: DPREncoder
    public let tokenizer: Tokenizer
    public let maxLength: Int
    /// Tags the embeddings this encoder produces; by default an FNV-1a 64 hash of every parameter's
    /// name and bytes at construction time.
    public let fingerprint: String
    public var dimension: Int { encoder.outputDim }

    public init(encoder: DPREncoder, tokenizer: Tokenizer, maxLength: Int? = nil, fingerprint: String? = nil) throws {
        guard encoder.kind == .context else {
            throw KBError.invalidArgument("passages are encoded with a DPR context encoder, got a \(encoder.kind) encoder")
        }
        guard tokenizer.specialTokenIds.pad == encoder.config.padTokenId else {
            throw KBError.invalidArgument("ctx tokenizer pad id \(tokenizer.specialTokenIds.pad.map(String.init) ?? "none") differs from the encoder's pad_token_id \(encoder.config.padTokenId)")
        }
        encoder.eval()
        self.encoder = encoder
        self.tokenizer = tokenizer
        self.maxLength = maxLength ?? tokenizer.modelMaxLength ?? 512
        self.fingerprint = fingerprint ?? Self.parameterHash(encoder)
    }

    public func encode(titles: [String], texts: [String]) throws -> [Float] {
        guard titles.count == texts.count else {
            throw KBError.invalidArgument("\(titles.count) titles but \(texts.count) texts")
        }
        if titles.isEmpty { return [] }
        let batch = try tokenizer.encodeBatch(titles, pairs: texts, maxLength: maxLength, padding: .longest)
        let width = batch.ids.first?.count ?? 0
        let ids = try IntTensor(shape: [titles.count, width], scalars: batch.ids.flatMap { $0 })
        return try Tensor.withNoGrad { try encoder.pooled(inputIds: ids).scalars }
    }

    /// A deep copy of `encoder` (same config, copied weights, eval mode) for a background refresh; the
    /// original keeps training.
    public static func snapshot(of encoder: DPREncoder) throws -> DPREncoder {
        let copy = try DPREncoder(kind: encoder.kind, config: encoder.config, seed: 0)
        try copy.loadStateDict(Dictionary(uniqueKeysWithValues: encoder.stateDict().map { ($0.name, $0.tensor.copied()) }),
                               source: "snapshot")
        copy.eval()
        return copy
    }

    static func parameterHash(_ encoder: DPREncoder) -> String {
        var h = FNV1a64()
        // The pooling rule changes every vector too (a [CLS] encoder keeps its earlier fingerprints).
        if encoder.config.pooling != .cls { h.add("pooling=\(encoder.config.pooling.rawValue)") }
        for (name, t) in encoder.namedParameters() {
            h.add(name)
            t.withUnsafeBufferPointer { h.add($0) }
        }
        return "dpr-ctx-fnv1a64:" + String(h.value, radix: 16)
    }
}
