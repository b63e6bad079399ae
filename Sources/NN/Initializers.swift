import Tensor

/// Weight initialisers matching transformers' `_init_weights` for BERT/DPR and BART: Linear and
/// Embedding weights ~ normal(0, std) (std = `initializer_range` or `init_std`), biases zero, LayerNorm
/// weight one and bias zero, the padding row of an embedding zero. Draws come from the caller's `RNG`, so
/// a seed gives the same model every time (not the same numbers as PyTorch).
public enum Initializer {
    case normal(std: Float)
    case zeros
    case ones

    public func make(_ shape: [Int], generator: RNG) throws -> Tensor {
        switch self {
        case .normal(let std) where std == 0: return try Tensor.zeros(shape)   // weights about to be loaded
        case .normal(let std): return try Tensor.randn(shape, mean: 0, std: std, generator: generator)
        case .zeros: return try Tensor.zeros(shape)
        case .ones: return try Tensor.ones(shape)
        }
    }
}
