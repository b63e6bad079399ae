/// Post-processing (`tokenizers` `BertProcessing`, truncation, padding; `tokenizers` `ByteLevel` + `BPE`): wraps model ids in special tokens and assigns token types.
/// BertProcessing, RobertaProcessing and TemplateProcessing all become one `Template`.
struct Template: Sendable, Equatable {
    enum Piece: Sendable, Equatable {
        case special(token: String, ids: [Int], typeId: Int)
        /// Sequence A (`first == true`) or B.
        case sequence(first: Bool, typeId: Int)
    }

    enum Kind: String, Sendable { case template = "TemplateProcessing", bert = "BertProcessing", roberta = "RobertaProcessing" }

    var kind: Kind
    var single: [Piece]
    var pair: [Piece]

    /// `[CLS] A [SEP]` / `[CLS] A [SEP] B [SEP]` with types 0 then 1.
    static func bert(cls: (String, Int), sep: (String, Int), kind: Kind = .bert) -> Template {
        let c = Piece.special(token: cls.0, ids: [cls.1], typeId: 0), s0 = Piece.special(token: sep.0, ids: [sep.1], typeId: 0)
        return Template(kind: kind, single: [c, .sequence(first: true, typeId: 0), s0],
                        pair: [c, .sequence(first: true, typeId: 0), s0, .sequence(first: false, typeId: 1),
                               .special(token: sep.0, ids: [sep.1], typeId: 1)])
    }

    /// `<s> A </s>` / `<s> A </s> </s> B </s>` (RoBERTa/BART).
    static func roberta(cls: (String, Int), sep: (String, Int)) -> Template {
        let c = Piece.special(token: cls.0, ids: [cls.1], typeId: 0), s0 = Piece.special(token: sep.0, ids: [sep.1], typeId: 0)
        let s1 = Piece.special(token: sep.0, ids: [sep.1], typeId: 1)
        return Template(kind: .roberta, single: [c, .sequence(first: true, typeId: 0), s0],
                        pair: [c, .sequence(first: true, typeId: 0), s0, s1, .sequence(first: false, typeId: 1), s1])
    }

    /// Number of ids the template adds around the sequences.
    func addedCount(pair isPair: Bool) -> Int {
        (isPair ? pair : single).reduce(0) { n, p in
            if case let .special(_, ids, _) = p { return n + ids.count }
            return n
        }
    }

    /// The template's first special token for `single` (cls/bos) and last one (sep/eos), if any.
    var clsToken: (String, Int)? {
        for case let .special(t, ids, _) in single { return ids.first.map { (t, $0) } }
        return nil
    }
    var sepToken: (String, Int)? {
        for case let .special(t, ids, _) in single.reversed() { return ids.first.map { (t, $0) } }
        return nil
    }

    func apply(_ a: [Int], _ b: [Int]?, ids: inout [Int], typeIds: inout [Int]) {
        for piece in (b == nil ? single : pair) {
            switch piece {
            case let .special(_, sids, typeId):
                ids.append(contentsOf: sids)
                typeIds.append(contentsOf: repeatElement(typeId, count: sids.count))
            case let .sequence(first, typeId):
                let seq = first ? a : (b ?? [])
                ids.append(contentsOf: seq)
                typeIds.append(contentsOf: repeatElement(typeId, count: seq.count))
            }
        }
    }
}

/// Truncation `longest_first` (`tokenizers` `BertProcessing`, truncation, padding), the fast tokenizer's rule. Returns how many tokens each side keeps
/// for a content budget `budget` (max_length minus the added special tokens).
func truncatedLengths(_ n1: Int, _ n2: Int, budget: Int) -> (Int, Int) {
    let k = max(0, budget)
    if n1 + n2 <= k { return (n1, n2) }
    let swap = n1 > n2
    let a = min(n1, n2)  // the shorter side; the longer one gets bKeep
    var bKeep = a > k ? a : max(a, k - a)
    var aKeep = a
    if aKeep + bKeep > k {
        aKeep = k / 2
        bKeep = aKeep + k % 2
    }
    return swap ? (bKeep, aKeep) : (aKeep, bKeep)
}
