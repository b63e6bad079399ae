/// Every differentiable operation the tape can record. The gradient-check suite iterates
/// `Op.allCases`, so a new case without a finite-difference check fails the tests.
/// Forward and backward of each op live together in `Ops/<Family>.swift`.
public enum Op: String, CaseIterable, Sendable {
    // Ops/Elementwise.swift
    case add, sub, mul, div, neg, addScalar, mulScalar, pow, exp, log, sqrt, tanh, relu, gelu, sigmoid
    case dropout
    // Ops/Reduce.swift
    case sum, mean, max, logsumexp
    // Ops/Softmax.swift, Ops/Norm.swift
    case softmax, logSoftmax, layerNorm
    // Ops/MatMul.swift, Ops/Linear.swift
    case matmul, linear
    // Ops/Attention.swift
    case attention
    // Ops/Movement.swift
    case reshape, permute, expand, slice, concat
    // Ops/Index.swift
    case embedding, indexSelect, gather, maskedFill, `where`
    // Ops/Loss.swift
    case crossEntropy, nll
}
