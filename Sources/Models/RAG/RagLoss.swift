import Tensor

/// The two RAG losses (`get_nll`, transformers `RagTokenForGeneration.marginalize`). Shapes: `logits [B·n, T, V]`, `docScores [B, n]`,
/// `labels [B, T]`. The target is `labels` shifted left with `<pad>` appended; pad positions add 0.
/// `loss = (1 − ε)·nll + (ε / V)·smooth`, per example `[B]` or summed over the batch (`reduce`).
enum RagLoss {
    struct Prepared {
        let b: Int, n: Int, t: Int, v: Int
        /// `[B, T]` shifted target.
        let target: [Int]
        /// `[B, T]` 1 where the target is pad.
        let padMask: IntTensor
        /// `[B, n, T, V]` per-document log-probabilities.
        let seqLogProbs: Tensor
        /// `[B, n, 1, 1]` document log-prior.
        let docLogProbs: Tensor
    }

    static func prepare(logits: Tensor, docScores: Tensor, labels: IntTensor, pad: Int) throws -> Prepared {
        guard logits.rank == 3, docScores.rank == 2, labels.shape.count == 2 else {
            throw RAGError.input("RAG loss needs logits [B·n, T, V], doc scores [B, n], labels [B, T]; got \(logits.shape), \(docScores.shape), \(labels.shape)")
        }
        let b = docScores.shape[0], n = docScores.shape[1], t = logits.shape[1], v = logits.shape[2]
        guard logits.shape[0] == b * n, labels.shape == [b, t] else {
            throw RAGError.input("RAG loss: logits \(logits.shape), doc scores \(docScores.shape) and labels \(labels.shape) disagree")
        }
        var target = [Int](repeating: pad, count: b * t)
        for r in 0..<b { for j in 0..<(t - 1) { target[r * t + j] = labels.scalars[r * t + j + 1] } }
        let padMask = try IntTensor(shape: [b, t], scalars: target.map { $0 == pad ? 1 : 0 })
        let seq = try logits.logSoftmax(dim: -1).reshaped([b, n, t, v])
        let doc = try docScores.logSoftmax(dim: 1).reshaped([b, n, 1, 1])
        return Prepared(b: b, n: n, t: t, v: v, target: target, padMask: padMask, seqLogProbs: seq, docLogProbs: doc)
    }

    /// `rag_logprobs [B, T, V]` = logsumexp over docs of per-doc log-probs + doc log-prior (transformers `RagTokenForGeneration.marginalize`).
    static func marginalize(_ p: Prepared) throws -> Tensor {
        try (p.seqLogProbs + p.docLogProbs).logsumexp(dim: 1)
    }

    static func combine(nll: Tensor, smooth: Tensor, reduce: Bool, epsilon: Double, v: Int) throws -> Tensor {
        var nll = nll, smooth = smooth
        if reduce { nll = try nll.sum(); smooth = try smooth.sum() }
        return try nll * Float(1 - epsilon) + smooth * Float(epsilon / Double(v))
    }

    /// RAG-token (transformers `RagTokenForGeneration.get_nll`).
    static func token(logits: Tensor, docScores: Tensor, labels: IntTensor, pad: Int, reduce: Bool,
                      epsilon: Double) throws -> Tensor {
        let p = try prepare(logits: logits, docScores: docScores, labels: labels, pad: pad)
        let rag = try marginalize(p)                                                           // [B, T, V]
        let index = try IntTensor(shape: [p.b, p.t, 1], scalars: p.target)
        let ll = try rag.gather(dim: 2, index: index).reshaped([p.b, p.t]).maskedFill(p.padMask, value: 0).sum(dims: [1])
        let smooth = try rag.sum(dims: [2]).maskedFill(p.padMask, value: 0).sum(dims: [1])
        return try combine(nll: -ll, smooth: -smooth, reduce: reduce, epsilon: epsilon, v: p.v)
    }

    /// RAG-sequence (transformers `RagSequenceForGeneration.get_nll`): the doc prior at target position 1 only; `excludeBos` drops position 0 of the
    /// likelihood (never of the smoothing term) when every row's target starts with `bos`.
    static func sequence(logits: Tensor, docScores: Tensor, labels: IntTensor, pad: Int, bos: Int?, reduce: Bool,
                         epsilon: Double, excludeBos: Bool) throws -> Tensor {
        let p = try prepare(logits: logits, docScores: docScores, labels: labels, pad: pad)
        var rag = p.seqLogProbs                                                               // [B, n, T, V]
        if p.t > 1 {
            var parts = [try rag.slice(dim: 2, start: 0, end: 1), try rag.slice(dim: 2, start: 1, end: 2) + p.docLogProbs]
            if p.t > 2 { parts.append(try rag.slice(dim: 2, start: 2, end: p.t)) }
            rag = try Tensor.concat(parts, dim: 2)
        }
        var index = [Int]()
        index.reserveCapacity(p.b * p.n * p.t)
        for r in 0..<p.b { for _ in 0..<p.n { index += p.target[(r * p.t)..<((r + 1) * p.t)] } }
        let padMask = try IntTensor(shape: [p.b, 1, p.t], scalars: p.padMask.scalars)
        var ll = try rag.gather(dim: 3, index: IntTensor(shape: [p.b, p.n, p.t, 1], scalars: index))
            .reshaped([p.b, p.n, p.t]).maskedFill(padMask, value: 0)
        let smooth = try rag.sum(dims: [3]).maskedFill(padMask, value: 0)
        let useBos = bos.map { bos in (0..<p.b).allSatisfy { p.target[$0 * p.t] == bos } } ?? false
        if excludeBos && useBos { ll = try ll.slice(dim: 2, start: 1, end: p.t) }
        let llDoc = try ll.sum(dims: [2]).logsumexp(dim: 1)
        let smoothDoc = try smooth.sum(dims: [2]).logsumexp(dim: 1)
        return try combine(nll: -llDoc, smooth: -smoothDoc, reduce: reduce, epsilon: epsilon, v: p.v)
    }
}
