import NN
import Tensor

// BART encoder and decoder stacks (transformers `BartLearnedPositionalEmbedding` (offset 2)), a port of the reference
// `transformers/models/bart/modeling_bart.py`: post-norm layers, q scaled by dh^-1/2 before the product,
// learned positions with offset 2, layernorm_embedding, exact GELU, all LayerNorm eps 1e-5.

/// BART attention names: `q_proj`, `k_proj`, `v_proj`, `out_proj`.
func bartAttention(_ c: BartConfig, heads: Int, _ rng: RNG) throws -> MultiHeadAttention {
    let d = c.dModel, std = Float(c.initStd)
    func linear() throws -> Linear { try Linear(inFeatures: d, outFeatures: d, std: std, generator: rng) }
    return MultiHeadAttention(query: try linear(), key: try linear(), value: try linear(), output: try linear(),
                              heads: heads, dropout: Dropout(p: Float(c.attentionDropout), generator: rng),
                              scaleQueries: true)
}

func bartAttentionEntries(_ a: MultiHeadAttention) -> Namespace {
    Namespace([.child("k_proj", a.key), .child("v_proj", a.value), .child("q_proj", a.query),
               .child("out_proj", a.output), .child("dropout", a.dropout)])
}

/// Feed-forward block shared by encoder and decoder layers: `fc2(dropout(gelu(fc1(x))))`.
final class BartFeedForward {
    let fc1: Linear, fc2: Linear
    let activationDropout: Dropout

    init(_ c: BartConfig, ffn: Int, _ rng: RNG) throws {
        fc1 = try Linear(inFeatures: c.dModel, outFeatures: ffn, std: Float(c.initStd), generator: rng)
        fc2 = try Linear(inFeatures: ffn, outFeatures: c.dModel, std: Float(c.initStd), generator: rng)
        activationDropout = Dropout(p: Float(c.activationDropout), generator: rng)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor { try fc2(activationDropout(fc1(x).gelu())) }
}

final class BartEncoderLayer: Module {
    let selfAttention: MultiHeadAttention
    let selfAttentionNorm: LayerNorm
    let ffn: BartFeedForward
    let finalNorm: LayerNorm
    let dropout: Dropout

    init(_ c: BartConfig, _ rng: RNG) throws {
        selfAttention = try bartAttention(c, heads: c.encoderAttentionHeads, rng)
        selfAttentionNorm = try LayerNorm(dim: c.dModel, eps: 1e-5)
        ffn = try BartFeedForward(c, ffn: c.encoderFfnDim, rng)
        finalNorm = try LayerNorm(dim: c.dModel, eps: 1e-5)
        dropout = Dropout(p: Float(c.dropout), generator: rng)
        super.init()
    }

    override var entries: [ModuleEntry] {
        [.child("self_attn", bartAttentionEntries(selfAttention)), .child("self_attn_layer_norm", selfAttentionNorm),
         .child("fc1", ffn.fc1), .child("fc2", ffn.fc2), .child("final_layer_norm", finalNorm),
         .child("dropout", dropout), .child("activation_dropout", ffn.activationDropout)]
    }

    /// `x [B, L, d]`, `bias [B, 1, 1, L]`.
    func callAsFunction(_ x: Tensor, bias: Tensor) throws -> Tensor {
        let h = try selfAttentionNorm(x + dropout(selfAttention(x, bias: bias)))
        return try finalNorm(h + dropout(ffn(h)))
    }
}

final class BartDecoderLayer: Module {
    let selfAttention: MultiHeadAttention
    let selfAttentionNorm: LayerNorm
    let crossAttention: MultiHeadAttention
    let crossAttentionNorm: LayerNorm
    let ffn: BartFeedForward
    let finalNorm: LayerNorm
    let dropout: Dropout

    init(_ c: BartConfig, _ rng: RNG) throws {
        selfAttention = try bartAttention(c, heads: c.decoderAttentionHeads, rng)
        selfAttentionNorm = try LayerNorm(dim: c.dModel, eps: 1e-5)
        crossAttention = try bartAttention(c, heads: c.decoderAttentionHeads, rng)
        crossAttentionNorm = try LayerNorm(dim: c.dModel, eps: 1e-5)
        ffn = try BartFeedForward(c, ffn: c.decoderFfnDim, rng)
        finalNorm = try LayerNorm(dim: c.dModel, eps: 1e-5)
        dropout = Dropout(p: Float(c.dropout), generator: rng)
        super.init()
    }

    override var entries: [ModuleEntry] {
        [.child("self_attn", bartAttentionEntries(selfAttention)), .child("self_attn_layer_norm", selfAttentionNorm),
         .child("encoder_attn", bartAttentionEntries(crossAttention)), .child("encoder_attn_layer_norm", crossAttentionNorm),
         .child("fc1", ffn.fc1), .child("fc2", ffn.fc2), .child("final_layer_norm", finalNorm),
         .child("dropout", dropout), .child("activation_dropout", ffn.activationDropout)]
    }

    /// `y [B, T, d]` new positions; `encoder [B, L, d]`; `selfBias` causal `[1, 1, T, past+T]` or nil;
    /// `crossBias [B, 1, 1, L]`. With a cache, layer `index`'s entries are read and extended.
    func callAsFunction(_ y: Tensor, encoder: Tensor, selfBias: Tensor?, crossBias: Tensor,
                        cache: inout KeyValueCache?, index: Int) throws -> Tensor {
        var (k, v) = try selfAttention.keysValues(y)
        if let past = cache?.selfKeys[index], let pastValues = cache?.selfValues[index] {
            k = try Tensor.concat([past, k], dim: 1)
            v = try Tensor.concat([pastValues, v], dim: 1)
        }
        cache?.selfKeys[index] = k
        cache?.selfValues[index] = v
        var h = try selfAttentionNorm(y + dropout(selfAttention.attend(y, keys: k, values: v, bias: selfBias)))
        let ck: Tensor, cv: Tensor
        if let cachedK = cache?.crossKeys[index], let cachedV = cache?.crossValues[index] {
            (ck, cv) = (cachedK, cachedV)
        } else {
            (ck, cv) = try crossAttention.keysValues(encoder)
            cache?.crossKeys[index] = ck
            cache?.crossValues[index] = cv
        }
        h = try crossAttentionNorm(h + dropout(crossAttention.attend(h, keys: ck, values: cv, bias: crossBias)))
        return try finalNorm(h + dropout(ffn(h)))
    }
}

/// Shared part of encoder and decoder input: scaled token embedding + learned position (offset 2),
/// `layernorm_embedding`, dropout.
final class BartInputEmbedding {
    let tokens: Embedding
    let positions: Embedding
    let norm: LayerNorm
    let dropout: Dropout
    let scale: Float

    init(tokens: Embedding, _ c: BartConfig, _ rng: RNG) throws {
        self.tokens = tokens
        positions = try Embedding(count: c.maxPositionEmbeddings + 2, dim: c.dModel, std: Float(c.initStd), generator: rng)
        norm = try LayerNorm(dim: c.dModel, eps: 1e-5)
        dropout = Dropout(p: Float(c.dropout), generator: rng)
        scale = c.scaleEmbedding ? Float(c.dModel).squareRoot() : 1
    }

    /// `ids [B, T]` at absolute positions `past ..< past+T` -> `[B, T, d]`.
    func callAsFunction(_ ids: IntTensor, past: Int) throws -> Tensor {
        let t = ids.shape[1]
        guard past + t <= positions.weight.shape[0] - 2 else {
            throw ModelError.input("position \(past + t - 1) exceeds max_position_embeddings \(positions.weight.shape[0] - 2)")
        }
        var e = try tokens(ids)
        if scale != 1 { e = e * scale }
        e = try e + positions(IntTensor(Array((past + 2)..<(past + t + 2))))
        return try dropout(norm(e))
    }
}

/// Layer drop (training only): each layer is skipped with probability `p` (transformers `BartEncoder`).
func keepLayer(_ module: Module, p: Double, _ rng: RNG) -> Bool {
    !(module.isTraining && p > 0 && Double(rng.uniform()) < p)
}
