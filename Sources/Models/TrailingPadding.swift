import Tensor

/// Dropping the columns that are padding in every row of a batch, where that cannot change a result.
///
/// A key masked in every row gets the bias `AttentionMask.lowest`, so its softmax weight is exactly 0 and
/// it adds nothing to any attended sum; positions are absolute (from column 0), so the kept columns see
/// the same embeddings. What is lost is only the hidden state *at* the dropped positions. Callers that
/// never read those states (the pooled CLS output, BART encoder states read only through masked
/// cross-attention) compute on `[B, keptWidth]` instead of `[B, L]`: RAG's generator inputs are padded
/// to `max_combined_length` (300) as in transformers, but hold far fewer tokens.
enum TrailingPadding {
    /// The width that holds every row's tokens (last column with a nonzero mask entry in any row, + 1),
    /// or nil when nothing can be dropped: no all-padding tail, or a row without any token (its
    /// attention over all-masked keys is uniform over the full width, so the width matters).
    static func keptWidth(_ mask: IntTensor) -> Int? {
        guard mask.shape.count == 2, mask.shape[0] > 0, mask.shape[1] > 0 else { return nil }
        let rows = mask.shape[0], l = mask.shape[1]
        var kept = 0
        for r in 0..<rows {
            guard let last = mask.scalars[(r * l)..<((r + 1) * l)].lastIndex(where: { $0 != 0 }) else { return nil }
            kept = max(kept, last - r * l + 1)
        }
        return kept < l ? kept : nil
    }

    /// `tensors` (each `[B, L]`, aligned with `mask`) cut to `keptWidth(mask)`; unchanged when nothing
    /// can be dropped.
    static func trimmed(_ tensors: [IntTensor], mask: IntTensor) throws -> [IntTensor] {
        guard let w = keptWidth(mask) else { return tensors }
        return try tensors.map { try leadingColumns($0, w) }
    }

    /// The first `width` columns of a `[B, L]` tensor.
    static func leadingColumns(_ t: IntTensor, _ width: Int) throws -> IntTensor {
        let rows = t.shape[0], l = t.shape[1]
        var out: [Int] = []
        out.reserveCapacity(rows * width)
        for r in 0..<rows { out.append(contentsOf: t.scalars[(r * l)..<(r * l + width)]) }
        return try IntTensor(shape: [rows, width], scalars: out)
    }
}
