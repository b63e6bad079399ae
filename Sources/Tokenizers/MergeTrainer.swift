/// The merge-learning core shared by `WordPieceTrainer` and `BPETrainer`: given word counts over an
/// initial symbol alphabet, repeatedly merge the most frequent adjacent pair (ties: the pair of smaller
/// symbol ids) until the vocabulary is full or the best pair is rarer than `minFrequency`.
/// Deterministic: the result depends only on the words, their counts and the alphabet order.
///
/// Pair counts are kept incrementally; a max-heap holds candidate pairs with lazy invalidation (an entry
/// whose count is stale is re-pushed with its current count when it reaches the top).
struct MergeTrainer {
    /// symbol id -> string; ids 0 ..< alphabet.count are the alphabet.
    private(set) var symbols: [String]
    private var symbolIds: [String: Int32]
    private var words: [[Int32]]
    private let counts: [Int]
    private var pairCounts: [UInt64: Int] = [:]
    private var pairWords: [UInt64: [Int32]] = [:]
    private var heap = PairHeap()
    /// Merges learned so far, as (left, right) symbol ids, in order.
    private(set) var merges: [(Int32, Int32)] = []

    /// `words[i]` (symbol ids into `alphabet`) occurs `counts[i]` times.
    init(alphabet: [String], words: [[Int32]], counts: [Int]) {
        symbols = alphabet
        symbolIds = Dictionary(alphabet.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })
        self.words = words
        self.counts = counts
        for (w, word) in words.enumerated() where word.count > 1 {
            for i in 0..<(word.count - 1) {
                let key = Self.key(word[i], word[i + 1])
                pairCounts[key, default: 0] += counts[w]
                if pairWords[key]?.last != Int32(w) { pairWords[key, default: []].append(Int32(w)) }
            }
        }
        for (key, count) in pairCounts { heap.push(count: count, key: key) }
    }

    @inline(__always) static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)) }

    /// Learns merges until `symbols.count` reaches `targetSymbols`. `combine` makes the merged symbol's string.
    mutating func run(targetSymbols: Int, minFrequency: Int, combine: (String, String) -> String) {
        while symbols.count < targetSymbols, let top = heap.pop() {
            let current = pairCounts[top.key] ?? 0
            if current != top.count {
                if current > 0 { heap.push(count: current, key: top.key) }
                continue
            }
            if current < max(minFrequency, 1) { break }
            let a = Int32(truncatingIfNeeded: top.key >> 32), b = Int32(truncatingIfNeeded: top.key & 0xFFFF_FFFF)
            let merged = combine(symbols[Int(a)], symbols[Int(b)])
            let newId: Int32
            if let existing = symbolIds[merged] {
                newId = existing
            } else {
                newId = Int32(symbols.count)
                symbols.append(merged)
                symbolIds[merged] = newId
            }
            merges.append((a, b))
            apply(a, b, newId)
        }
    }

    /// Replaces every (a, b) in the words that contain it and updates the pair counts.
    private mutating func apply(_ a: Int32, _ b: Int32, _ newId: Int32) {
        let mergedKey = Self.key(a, b)
        var delta: [UInt64: Int] = [:]
        for w32 in pairWords[mergedKey] ?? [] {
            let w = Int(w32)
            let old = words[w]
            guard old.count > 1 else { continue }
            var new: [Int32] = []
            new.reserveCapacity(old.count)
            var i = 0
            var changed = false
            while i < old.count {
                if i + 1 < old.count, old[i] == a, old[i + 1] == b {
                    new.append(newId); i += 2; changed = true
                } else {
                    new.append(old[i]); i += 1
                }
            }
            guard changed else { continue }
            let c = counts[w]
            for j in 0..<(old.count - 1) { delta[Self.key(old[j], old[j + 1]), default: 0] -= c }
            if new.count > 1 {
                for j in 0..<(new.count - 1) {
                    let k = Self.key(new[j], new[j + 1])
                    delta[k, default: 0] += c
                    if new[j] == newId || new[j + 1] == newId, pairWords[k]?.last != w32 { pairWords[k, default: []].append(w32) }
                }
            }
            words[w] = new
        }
        for (k, d) in delta where d != 0 {
            let n = (pairCounts[k] ?? 0) + d
            pairCounts[k] = n > 0 ? n : nil
            if d > 0 { heap.push(count: n, key: k) }
        }
        pairWords[mergedKey] = nil
    }
}

/// Max-heap of (count, pair key); ties pop the smaller key first.
struct PairHeap {
    private var items: [(count: Int, key: UInt64)] = []

    @inline(__always) private func above(_ x: (count: Int, key: UInt64), _ y: (count: Int, key: UInt64)) -> Bool {
        x.count != y.count ? x.count > y.count : x.key < y.key
    }

    mutating func push(count: Int, key: UInt64) {
        items.append((count, key))
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard above(items[i], items[p]) else { break }
            items.swapAt(i, p)
            i = p
        }
    }

    mutating func pop() -> (count: Int, key: UInt64)? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var best = i
                if l < items.count, above(items[l], items[best]) { best = l }
                if r < items.count, above(items[r], items[best]) { best = r }
                if best == i { break }
                items.swapAt(i, best)
                i = best
            }
        }
        return first
    }
}
