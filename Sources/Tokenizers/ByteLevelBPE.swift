import Synchronization

/// The GPT-2 byte <-> printable-character table (`tokenizers` `ByteLevel` + `BPE`): bytes 33-126, 161-172, 174-255
/// map to the same code point; the other 68 bytes, in increasing order, to U+0100 ... U+0143.
enum ByteTable {
    static let byteToScalar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    static let scalarToByte: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (b, s) in byteToScalar.enumerated() { map[s.value] = UInt8(b) }
        return map
    }()

    /// The mapped form of a UTF-8 string (what vocab.json / merges.txt entries are written in).
    static func mapped(_ bytes: some Sequence<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(byteToScalar[Int(b)]) }
        return String(s)
    }
}

/// Byte-level BPE model (`tokenizers` `ByteLevel` + `BPE`): merges applied by rank, with a cache of words already seen.
final class BPEModel: Sendable {
    /// id -> token, dense.
    let vocab: [String]
    let tokenToId: [String: Int]
    /// Merge pairs in rank order, as token ids.
    let merges: [(Int, Int)]
    let unkId: Int?
    /// (left id << 32 | right id) -> (rank, merged id).
    private let mergeTable: [UInt64: (rank: Int32, id: Int32)]
    /// Id of each byte's single-character token, or -1 if the vocabulary lacks it.
    private let byteIds: [Int32]
    /// Word cache, sharded so batch encoding on several threads rarely waits on one lock.
    private let cacheShards: [CacheShard] = (0..<16).map { _ in CacheShard() }
    private static let shardCapacity = 8_192

    init(vocab: [String], merges: [(Int, Int)], unkId: Int?, file: String) throws {
        guard !vocab.isEmpty else { throw TokenizerError.emptyVocabulary(file: file) }
        var map: [String: Int] = [:]
        map.reserveCapacity(vocab.count)
        for (i, t) in vocab.enumerated() { map[t] = i }
        var table: [UInt64: (rank: Int32, id: Int32)] = [:]
        table.reserveCapacity(merges.count)
        for (rank, (a, b)) in merges.enumerated() {
            let key = UInt64(a) << 32 | UInt64(b)
            guard table[key] == nil else { continue }  // a repeated merge keeps its first (lowest) rank
            guard let merged = map[vocab[a] + vocab[b]] else {
                throw TokenizerError.malformedMerge(file: file, line: rank + 1, text: "\(vocab[a]) \(vocab[b])")
            }
            table[key] = (Int32(rank), Int32(merged))
        }
        self.vocab = vocab
        self.tokenToId = map
        self.merges = merges
        self.unkId = unkId
        self.mergeTable = table
        self.byteIds = ByteTable.byteToScalar.map { s in Int32(map[String(Character(s))] ?? -1) }
    }

    /// Appends the ids of one pre-tokenized word `s[range]` (raw scalars; mapped to bytes here).
    func tokenize(_ s: [Unicode.Scalar], _ range: Range<Int>, into ids: inout [Int]) {
        var key = String.UnicodeScalarView()
        key.append(contentsOf: s[range])
        let word = String(key)
        let shard = cacheShards[(Int(s[range.lowerBound].value) &+ range.count &* 7) & 15]
        if let hit = shard.words.withLock({ $0[word] }) {
            for id in hit { ids.append(Int(id)) }
            return
        }
        let result = merge(word)
        shard.words.withLock { c in
            if c.count >= Self.shardCapacity { c.removeAll(keepingCapacity: true) }
            c[word] = result
        }
        for id in result { ids.append(Int(id)) }
    }

    private final class CacheShard: Sendable {
        let words = Mutex<[String: [Int32]]>([:])
    }

    /// BPE over the bytes of `word`: repeatedly merge every occurrence of the lowest-ranked adjacent pair.
    func merge(_ word: String) -> [Int32] {
        var symbols: [Int32] = []
        symbols.reserveCapacity(word.utf8.count)
        for b in word.utf8 {
            let id = byteIds[Int(b)]
            if id >= 0 { symbols.append(id) } else if let unk = unkId { symbols.append(Int32(unk)) }
        }
        while symbols.count > 1 {
            var bestRank = Int32.max
            var bestPair: UInt64 = 0
            var bestId: Int32 = 0
            for i in 0..<(symbols.count - 1) {
                let key = UInt64(UInt32(bitPattern: symbols[i])) << 32 | UInt64(UInt32(bitPattern: symbols[i + 1]))
                if let m = mergeTable[key], m.rank < bestRank { bestRank = m.rank; bestPair = key; bestId = m.id }
            }
            if bestRank == Int32.max { break }
            let left = Int32(truncatingIfNeeded: bestPair >> 32), right = Int32(truncatingIfNeeded: bestPair & 0xFFFF_FFFF)
            var out: [Int32] = []
            out.reserveCapacity(symbols.count)
            var i = 0
            while i < symbols.count {
                if i + 1 < symbols.count, symbols[i] == left, symbols[i + 1] == right {
                    out.append(bestId); i += 2
                } else {
                    out.append(symbols[i]); i += 1
                }
            }
            symbols = out
        }
        return symbols
    }
}
