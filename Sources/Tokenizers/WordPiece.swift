/// WordPiece model (`tokenizers` `WordPiece`): greedy longest-match-first with a continuation prefix (`##`), one
/// `[UNK]` for a word with no complete segmentation or longer than `maxInputCharsPerWord` scalars.
///
/// The vocabulary is held in a scalar trie, so a longest match is one walk from the start position.
/// Continuation tokens are the same trie entries entered through the node reached by the prefix.
struct WordPieceModel: Sendable {
    /// id -> token (ids are dense: 0 ..< vocab.count).
    let vocab: [String]
    let tokenToId: [String: Int]
    let unkToken: String
    let unkId: Int
    let continuingSubwordPrefix: String
    let maxInputCharsPerWord: Int
    private let trie: ScalarTrie
    private let continuationNode: Int32

    init(vocab: [String], unkToken: String, continuingSubwordPrefix: String = "##", maxInputCharsPerWord: Int = 100,
         file: String) throws {
        guard !vocab.isEmpty else { throw TokenizerError.emptyVocabulary(file: file) }
        var map: [String: Int] = [:]
        map.reserveCapacity(vocab.count)
        for (i, t) in vocab.enumerated() { map[t] = i }  // a duplicated token keeps its last id (as HF)
        guard let unk = map[unkToken] else { throw TokenizerError.missingToken(file: file, token: unkToken, role: "unknown") }
        self.vocab = vocab
        self.tokenToId = map
        self.unkToken = unkToken
        self.unkId = unk
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharsPerWord = maxInputCharsPerWord
        var trie = ScalarTrie()
        for (token, id) in map { trie.insert(token.unicodeScalars, id: Int32(id)) }
        self.continuationNode = trie.walk(continuingSubwordPrefix.unicodeScalars) ?? -1
        self.trie = trie
    }

    /// Appends the ids of one pre-tokenized word `s[range]`.
    func tokenize(_ s: [Unicode.Scalar], _ range: Range<Int>, into ids: inout [Int]) {
        if range.count > maxInputCharsPerWord { ids.append(unkId); return }
        let mark = ids.count
        var start = range.lowerBound
        while start < range.upperBound {
            let root: Int32 = start == range.lowerBound ? 0 : continuationNode
            var node = root
            var best: Int32 = -1
            var bestEnd = start
            var i = start
            while node >= 0, i < range.upperBound {
                node = trie.child(node, s[i])
                i += 1
                if node >= 0, trie.terminal[Int(node)] >= 0 { best = trie.terminal[Int(node)]; bestEnd = i }
            }
            if best < 0 || root < 0 {
                ids.removeSubrange(mark...)
                ids.append(unkId)
                return
            }
            ids.append(Int(best))
            start = bestEnd
        }
    }
}

/// A trie over Unicode scalars: node 0 is the root, edges in one hash table keyed by (node, scalar).
struct ScalarTrie: Sendable {
    private var edges: [UInt64: Int32] = [:]
    /// Token id ending at each node, or -1.
    private(set) var terminal: [Int32] = [-1]

    @inline(__always) func child(_ node: Int32, _ s: Unicode.Scalar) -> Int32 {
        edges[UInt64(UInt32(bitPattern: node)) << 32 | UInt64(s.value)] ?? -1
    }

    mutating func insert(_ scalars: String.UnicodeScalarView, id: Int32) {
        var node: Int32 = 0
        for s in scalars {
            let key = UInt64(UInt32(bitPattern: node)) << 32 | UInt64(s.value)
            if let next = edges[key] {
                node = next
            } else {
                let next = Int32(terminal.count)
                terminal.append(-1)
                edges[key] = next
                node = next
            }
        }
        if node != 0 { terminal[Int(node)] = id }
    }

    func walk(_ scalars: String.UnicodeScalarView) -> Int32? {
        var node: Int32 = 0
        for s in scalars {
            node = child(node, s)
            if node < 0 { return nil }
        }
        return node
    }
}
