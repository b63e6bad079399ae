import KB
import Models
import Tensor
import Tokenizers

/// A DPR context encoder as the KB's `PassageEncoder` (rag-spec §6.7 step 3): `(title, text)` pairs through
/// the ctx tokenizer (`truncation=True` to `maxLength`, `padding="longest"` per call), only the ids passed
/// to the encoder (mask derived as ids ≠ pad, token types 0), pooled output, no gradient recording.
/// The encoder is switched to eval mode (the seed leaves dropout on while re-encoding; §10 recommends eval),
/// so give it a snapshot, never the live training encoder:
///
///     let snap = try DPRPassageEncoder(encoder: DPRPassageEncoder.snapshot(of: ctx), tokenizer: ctxTok,
///                                      fingerprint: "ctx@step\(step)")
public final class DPRPassageEncoder: PassageEncoder {
    public let encoder: DPREncoder
    public let tokenizer: Tokenizer
    public let maxLength: Int
    public let fingerprint: String

    public init(encoder: DPREncoder, tokenizer: Tokenizer, maxLength: Int = 512, fingerprint: String) throws {
        guard encoder.kind == .context else { throw TrainError.config("DPRPassageEncoder needs a context encoder, got a \(encoder.kind) encoder") }
        guard tokenizer.specialTokenIds.pad == encoder.config.padTokenId else {
            throw TrainError.config("ctx tokenizer pad id \(String(describing: tokenizer.specialTokenIds.pad)) differs from the encoder's pad_token_id \(encoder.config.padTokenId)")
        }
        encoder.eval()
        self.encoder = encoder
        self.tokenizer = tokenizer
        self.maxLength = maxLength
        self.fingerprint = fingerprint
    }

    public var dimension: Int { encoder.outputDim }

    public func encode(titles: [String], texts: [String]) throws -> [Float] {
        guard titles.count == texts.count else { throw TrainError.data("\(titles.count) titles for \(texts.count) texts") }
        guard !titles.isEmpty else { return [] }
        let batch = try tokenizer.encodeBatch(titles, pairs: texts, maxLength: maxLength, padding: .longest)
        let width = batch.ids.first?.count ?? 0
        let ids = try IntTensor(shape: [titles.count, width], scalars: batch.ids.flatMap { $0 })
        return try Tensor.withNoGrad { try encoder(inputIds: ids).pooled.scalars }
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
}
