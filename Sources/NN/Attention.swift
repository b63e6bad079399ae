import Tensor

/// Multi-head attention with the four projections of BERT and BART (transformers `BertLayer`; transformers `BartAttention`).
///
/// Shapes: queries `x [B, Tq, d]`, keys/values `[B, Tk, d]`, `h` heads of `dh = d / h`.
/// `bias` is added to the scores and broadcasts to `[B, h, Tq, Tk]` (typically `[B, 1, 1, Tk]` for
/// padding or `[1, 1, Tq, Tk]` for causality; masked entries hold float32 lowest, see `AttentionMask`).
/// The projections' names are given by the owner (BERT: query/key/value + output.dense; BART:
/// q_proj/k_proj/v_proj/out_proj), so this class registers no entries itself.
public final class MultiHeadAttention {
    public let query: Linear, key: Linear, value: Linear, output: Linear
    public let heads: Int
    /// Dropout on the attention probabilities; owners register it so train()/eval() reach it.
    public let dropout: Dropout
    /// BART multiplies the projected queries by dh^-1/2; BERT divides the scores by sqrt(dh).
    public let scaleQueries: Bool

    public init(query: Linear, key: Linear, value: Linear, output: Linear, heads: Int, dropout: Dropout,
                scaleQueries: Bool) {
        precondition(query.outFeatures % heads == 0, "width \(query.outFeatures) not divisible by \(heads) heads")
        self.query = query; self.key = key; self.value = value; self.output = output
        self.heads = heads; self.dropout = dropout; self.scaleQueries = scaleQueries
    }

    var headDim: Int { query.outFeatures / heads }

    /// Keys and values of `source` `[B, Tk, d]` (token layout, what a cache stores; heads are the
    /// `dh`-wide column groups).
    public func keysValues(_ source: Tensor) throws -> (keys: Tensor, values: Tensor) {
        (try key(source), try value(source))
    }

    /// Attention of `x` over precomputed `keys`/`values` `[B, Tk, d]`; returns `[B, Tq, d]`.
    /// Fused (`Tensor.attention`): scaled scores + bias, softmax, dropout, values, without materialising
    /// `[B, h, Tq, Tk]`.
    public func attend(_ x: Tensor, keys: Tensor, values: Tensor, bias: Tensor?) throws -> Tensor {
        let scale = 1 / Float(headDim).squareRoot()
        let p: Float = dropout.isTraining ? dropout.p : 0
        // Scaling where the reference does (queries for BART, scores for BERT) keeps its float rounding.
        let q = scaleQueries ? try query(x) * scale : try query(x)
        let context = try Tensor.attention(query: q, key: keys, value: values, heads: heads, scale: scaleQueries ? 1 : scale,
                                           bias: bias, dropout: p, generator: dropout.generator)
        return try output(context)
    }

    /// Self- or cross-attention without a cache.
    public func callAsFunction(_ x: Tensor, source: Tensor? = nil, bias: Tensor?) throws -> Tensor {
        let kv = try keysValues(source ?? x)
        return try attend(x, keys: kv.keys, values: kv.values, bias: bias)
    }
}

/// Additive attention biases (0 = attend, float32 lowest = masked), transformers `BertLayer` / transformers `BartAttention`.
public enum AttentionMask {
    public static let lowest = -Float.greatestFiniteMagnitude

    /// Padding bias `[B, 1, 1, L]` from a `{0,1}` mask `[B, L]`.
    public static func padding(_ mask: IntTensor) throws -> Tensor {
        guard mask.shape.count == 2 else {
            throw TensorError.invalidShape(op: "AttentionMask.padding", shape: mask.shape, reason: "mask must be [batch, length]")
        }
        return try Tensor(shape: [mask.shape[0], 1, 1, mask.shape[1]], scalars: mask.scalars.map { $0 != 0 ? 0 : lowest })
    }

    /// Causal bias `[1, 1, T, past + T]`: query `i` (absolute position `past + i`) sees keys `<= past + i`.
    public static func causal(length t: Int, past: Int) throws -> Tensor {
        var s = [Float](repeating: 0, count: t * (past + t))
        for i in 0..<t { for j in 0..<(past + t) where j > past + i { s[i * (past + t) + j] = lowest } }
        return try Tensor(shape: [1, 1, t, past + t], scalars: s)
    }
}

/// Per-layer key/value cache of a decoder: self-attention entries grow by one step per call,
/// cross-attention entries are computed once from the encoder output. All `[rows, len, d]` (token layout).
public struct KeyValueCache {
    public var selfKeys: [Tensor?]
    public var selfValues: [Tensor?]
    public var crossKeys: [Tensor?]
    public var crossValues: [Tensor?]

    public init(layers: Int) {
        selfKeys = Array(repeating: nil, count: layers)
        selfValues = selfKeys; crossKeys = selfKeys; crossValues = selfKeys
    }

    /// Tokens already cached (0 for an empty cache).
    public var length: Int { selfKeys.first??.shape[1] ?? 0 }

    /// Keeps rows `source` (row r of the result is old row source[r]): beam reordering. Cross-attention
    /// entries move only with `includeCross`; beam search leaves them, because it only moves rows between
    /// beams of one batch item, whose encoder states are identical.
    public mutating func reorder(rows source: [Int], includeCross: Bool = false) throws {
        let index = IntTensor(source)
        func pick(_ list: inout [Tensor?]) throws {
            for i in list.indices { if let t = list[i] { list[i] = try t.indexSelect(dim: 0, index: index) } }
        }
        try pick(&selfKeys); try pick(&selfValues)
        if includeCross { try pick(&crossKeys); try pick(&crossValues) }
    }
}
