import Tensor

/// `y = x · weightᵀ + bias`, weight `[out, in]` (PyTorch layout), bias `[out]`.
public final class Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?

    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true, std: Float, generator: RNG) throws {
        weight = parameter(try Initializer.normal(std: std).make([outFeatures, inFeatures], generator: generator))
        self.bias = bias ? parameter(try Tensor.zeros([outFeatures])) : nil
        super.init()
    }

    override public var entries: [ModuleEntry] {
        [.parameter("weight", weight)] + (bias.map { [.parameter("bias", $0)] } ?? [])
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    /// `[..., in] -> [..., out]`.
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.linear(weight: weight, bias: bias) }
}

/// A lookup table `[count, dim]`; `paddingIndex`'s row is initialised to zero.
public final class Embedding: Module {
    public let weight: Tensor

    public init(count: Int, dim: Int, paddingIndex: Int? = nil, std: Float, generator: RNG) throws {
        let w = try Initializer.normal(std: std).make([count, dim], generator: generator)
        if let p = paddingIndex {
            precondition((0..<count).contains(p), "padding index \(p) outside \(count) rows")
            w.withUnsafeMutableBufferPointer { b in for j in 0..<dim { b[p * dim + j] = 0 } }
        }
        weight = parameter(w)
        super.init()
    }

    /// Shares an existing table (tied embeddings): no entry of its own is registered by the owner.
    public init(sharing weight: Tensor) {
        self.weight = weight
        super.init()
    }

    override public var entries: [ModuleEntry] { [.parameter("weight", weight)] }

    /// `ids [...] -> [..., dim]`.
    public func callAsFunction(_ ids: IntTensor) throws -> Tensor { try Tensor.embedding(weight: weight, ids: ids) }
}

/// Layer normalisation over the last dimension with affine weight and bias `[dim]`.
public final class LayerNorm: Module {
    public let weight: Tensor
    public let bias: Tensor
    public let eps: Float

    public init(dim: Int, eps: Float) throws {
        weight = parameter(try Tensor.ones([dim]))
        bias = parameter(try Tensor.zeros([dim]))
        self.eps = eps
        super.init()
    }

    override public var entries: [ModuleEntry] { [.parameter("weight", weight), .parameter("bias", bias)] }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.layerNorm(weight: weight, bias: bias, eps: eps) }
}

/// Inverted dropout with probability `p` in training mode; the identity in eval mode or when `p == 0`.
/// Holds its own RNG so a seeded model drops the same units on every run.
public final class Dropout: Module {
    /// In [0, 1); a model may change it between steps (e.g. BART's dropout overrides before training).
    public var p: Float {
        didSet { precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1), got \(p)") }
    }
    public let generator: RNG

    public init(p: Float, generator: RNG) {
        precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1), got \(p)")
        self.p = p
        self.generator = generator
        super.init()
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        guard isTraining, p > 0 else { return x }
        return try x.dropout(p: p, generator: generator, training: true)
    }
}
