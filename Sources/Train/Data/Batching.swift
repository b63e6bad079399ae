import Tensor
import Tokenizers

/// A collated batch (rag-end2end-retriever `utils_rag.py` (`Seq2SeqDataset`)): `inputIds`/`attentionMask [B, Ls]` from the question-encoder tokenizer,
/// `decoderInputIds [B, Lt]` from the generator tokenizer (labels = decoder inputs, unshifted, rag-end2end-retriever `finetune_rag.py` `_step`), both
/// with all-padding columns dropped. `indices` are the examples' positions in the split; `examples` the text.
public struct Seq2SeqBatch: Sendable {
    public var inputIds: IntTensor
    public var attentionMask: IntTensor
    public var decoderInputIds: IntTensor
    public var indices: [Int]
    public var examples: [Seq2SeqExample]
    public var size: Int { indices.count }
}

/// Tokenizes and collates examples exactly as the seed's `Seq2SeqDataset` + `collate_fn`: source
/// `[CLS] q [SEP]` truncated and padded to `maxSourceLength`, target `<s> t </s>` truncated and padded to
/// `maxTargetLength` (no prefix space), then every column that is padding in all rows is dropped
/// (source pad id applied to the mask identically; target pad id separately).
public struct Seq2SeqCollator: Sendable {
    public let sourceTokenizer: Tokenizer
    public let targetTokenizer: Tokenizer
    public var maxSourceLength: Int
    public var maxTargetLength: Int

    public init(sourceTokenizer: Tokenizer, targetTokenizer: Tokenizer, maxSourceLength: Int = 128, maxTargetLength: Int = 25) throws {
        guard maxSourceLength > 0, maxTargetLength > 0 else {
            throw TrainError.config("max source/target lengths must be > 0 (got \(maxSourceLength), \(maxTargetLength))")
        }
        guard sourceTokenizer.specialTokenIds.pad != nil, targetTokenizer.specialTokenIds.pad != nil else {
            throw TrainError.config("both tokenizers need a pad token to collate batches")
        }
        self.sourceTokenizer = sourceTokenizer
        self.targetTokenizer = targetTokenizer
        self.maxSourceLength = maxSourceLength
        self.maxTargetLength = maxTargetLength
    }

    public func collate(_ examples: [Seq2SeqExample], indices: [Int]) throws -> Seq2SeqBatch {
        guard !examples.isEmpty, examples.count == indices.count else {
            throw TrainError.data("cannot collate \(examples.count) examples with \(indices.count) indices")
        }
        let srcPad = sourceTokenizer.specialTokenIds.pad!, tgtPad = targetTokenizer.specialTokenIds.pad!
        let src = try sourceTokenizer.encodeBatch(examples.map(\.source), maxLength: maxSourceLength, padding: .fixed(maxSourceLength))
        let tgt = try targetTokenizer.encodeBatch(examples.map(\.target), maxLength: maxTargetLength, padding: .fixed(maxTargetLength))
        let (ids, keep) = Self.trim(src.ids, pad: srcPad)
        let mask = src.attentionMask.map { row in keep.map { row[$0] } }
        let (dec, _) = Self.trim(tgt.ids, pad: tgtPad)
        return Seq2SeqBatch(inputIds: try Self.tensor(ids), attentionMask: try Self.tensor(mask),
                            decoderInputIds: try Self.tensor(dec), indices: indices, examples: examples)
    }

    /// The seed's `trim_batch`: keeps the columns where some row is not `pad`.
    static func trim(_ rows: [[Int]], pad: Int) -> (rows: [[Int]], kept: [Int]) {
        let width = rows.map(\.count).max() ?? 0
        let kept = (0..<width).filter { c in rows.contains { c < $0.count && $0[c] != pad } }
        return (rows.map { row in kept.map { row[$0] } }, kept)
    }

    static func tensor(_ rows: [[Int]]) throws -> IntTensor {
        try IntTensor(shape: [rows.count, rows.first?.count ?? 0], scalars: rows.flatMap { $0 })
    }
}

/// Batches of a split in a reproducible order: shuffled per epoch with a permutation drawn from
/// `RNG(seed)` mixed with the epoch number (so position (epoch, batch) alone determines a batch: resuming
/// needs no sampler state), or in file order. The last batch may be smaller (no drop-last, as the seed).
public struct BatchLoader: Sendable {
    public let examples: [Seq2SeqExample]
    public let batchSize: Int
    public let shuffle: Bool
    public let seed: UInt64
    public let collator: Seq2SeqCollator

    /// Data-parallel share: this loader yields part `partIndex` of `partCount` of every global batch
    /// (`batchSize` is the global micro-batch; see `batch`). 0 of 1: the whole batch.
    public let partIndex: Int
    public let partCount: Int

    public init(examples: [Seq2SeqExample], batchSize: Int, shuffle: Bool, seed: UInt64 = 42, collator: Seq2SeqCollator,
                part: (index: Int, count: Int) = (0, 1)) throws {
        guard batchSize > 0 else { throw TrainError.config("batch size must be > 0, got \(batchSize)") }
        guard !examples.isEmpty else { throw TrainError.data("no examples to batch") }
        guard part.count >= 1, (0 ..< part.count).contains(part.index) else {
            throw TrainError.config("batch part \(part.index) of \(part.count) is out of range")
        }
        self.examples = examples
        self.batchSize = batchSize
        partIndex = part.index
        partCount = part.count
        self.shuffle = shuffle
        self.seed = seed
        self.collator = collator
    }

    public var batchesPerEpoch: Int { (examples.count + batchSize - 1) / batchSize }

    /// The example order of `epoch` (Fisher-Yates with the epoch's generator, or 0..<n).
    public func order(epoch: Int) -> [Int] {
        var idx = Array(0..<examples.count)
        guard shuffle else { return idx }
        let rng = RNG(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(epoch + 1))
        for i in stride(from: idx.count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            idx.swapAt(i, j)
        }
        return idx
    }

    public func batch(epoch: Int, index: Int) throws -> Seq2SeqBatch {
        guard (0..<batchesPerEpoch).contains(index) else {
            throw TrainError.data("batch \(index) out of range (\(batchesPerEpoch) batches per epoch)")
        }
        let epochOrder = order(epoch: epoch)
        var ids = Array(epochOrder[(index * batchSize)..<min(examples.count, (index + 1) * batchSize)])
        if partCount > 1 {
            // Contiguous near-equal parts (the first `count % parts` one longer); a part left empty by a
            // short last batch repeats the epoch's first example, as PyTorch's DistributedSampler pads.
            let q = ids.count / partCount, m = ids.count % partCount
            let start = partIndex * q + min(partIndex, m)
            let part = Array(ids[start ..< start + q + (partIndex < m ? 1 : 0)])
            ids = part.isEmpty ? [epochOrder[0]] : part
        }
        return try collator.collate(ids.map { examples[$0] }, indices: ids)
    }
}
