import Foundation
import Models
import Tensor
import Tokenizers

/// A DPR context encoder + its tokenizer as the KB's `PassageEncoder` (rag-spec.md §6.7 step 3, §8.3):
/// `(title, text)` pairs tokenized with truncation to the tokenizer's `model_max_length` (512 if unset)
/// and padding to the longest row of the batch; only the ids are passed, so the encoder derives the mask
/// as `ids != [PAD]`, as the seed does. Runs without recording gradients.
public struct DPRPassageEncoder: PassageEncoder {
    public let encoder: DPREncoder
    public let tokenizer: Tokenizer
    public let fingerprint: String
    public var dimension: Int { encoder.outputDim }

    /// The fingerprint hashes every parameter's bytes (FNV-1a 64) as they are now: re-create the
    /// encoder wrapper after a training step to tag new embeddings.
    public init(encoder: DPREncoder, tokenizer: Tokenizer) throws {
        guard encoder.kind == .context else {
            throw KBError.invalidArgument("passages are encoded with a DPR context encoder, got a \(encoder.kind) encoder")
        }
        self.encoder = encoder
        self.tokenizer = tokenizer
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for (name, t) in encoder.namedParameters() {
            for byte in name.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
            t.withUnsafeBufferPointer { buf in
                for x in buf { h = (h ^ UInt64(x.bitPattern)) &* 0x100_0000_01b3 }
            }
        }
        fingerprint = "dpr-ctx-fnv1a64:" + String(h, radix: 16)
    }

    public func encode(titles: [String], texts: [String]) throws -> [Float] {
        guard titles.count == texts.count else {
            throw KBError.invalidArgument("\(titles.count) titles but \(texts.count) texts")
        }
        if titles.isEmpty { return [] }
        let batch = try tokenizer.encodeBatch(titles, pairs: texts, maxLength: tokenizer.modelMaxLength ?? 512, padding: .longest)
        let width = batch.ids.first?.count ?? 0
        let ids = try IntTensor(shape: [titles.count, width], scalars: batch.ids.flatMap { $0 })
        return try Tensor.withNoGrad { try encoder(inputIds: ids).pooled.scalars }
    }
}
