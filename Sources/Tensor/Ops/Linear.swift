/// PyTorch's `F.linear`: `x [..., K] @ weight[N, K]ᵀ + bias [N] -> [..., N]`, fused.
///
/// Forward copies the bias into every output row and runs one GEMM with beta 1 (as PyTorch's `addmm`
/// does), so no separate broadcast-add pass and no second `[..., N]` buffer. Backward (one node):
/// `dx = g @ weight`, `dweight = gᵀ @ x` (one GEMM over all rows), `dbias = Σ_rows g`.
extension Tensor {
    public func linear(weight: Tensor, bias: Tensor?) throws -> Tensor {
        guard rank >= 1, weight.rank == 2, shape[rank - 1] == weight.shape[1] else {
            throw TensorError.shapeMismatch(op: "linear", lhs: shape, rhs: weight.shape,
                                            reason: "x must be [..., in] and weight [out, in]")
        }
        let (n, k) = (weight.shape[0], weight.shape[1])
        if let bias, bias.shape != [n] {
            throw TensorError.shapeMismatch(op: "linear", lhs: weight.shape, rhs: bias.shape, reason: "bias must be [out] = [\(n)]")
        }
        let rows = shape.dropLast().reduce(1, *)  // also right when in = 0
        let outShape = Array(shape.dropLast()) + [n]
        let out = Tensor(uninitialized: outShape)
        if let bias { StridedCopy.copy(bias.base, strides: [0, 1], shape: [rows, n], into: out.base) }
        if k == 0 && bias == nil {
            out.base.update(repeating: 0, count: rows * n)
        } else if rows > 0 && n > 0 {
            GEMM.sgemm(base, false, weight.base, true, out.base, m: rows, n: n, k: k, accumulate: bias != nil,
                       precision: Precision.active)
        }

        // The closure keeps only what it reads: the weight for dx, x for dweight.
        let (xShape, needX, needW, needB) = (shape, tracksGrad, weight.tracksGrad, bias?.tracksGrad ?? false)
        let xd = needW ? detached() : nil, wd = needX ? weight.detached() : nil
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return Tensor.record(.linear, inputs, out) { g in
            let g2 = try g.reshaped([rows, n])
            let gx = try wd.map { try g2.matmul($0).reshaped(xShape) }
            let gw = try xd.map { try g2.matmul($0.reshaped([rows, k]), transposeA: true) }
            var grads: [Tensor?] = [gx, gw]
            if inputs.count == 3 { grads.append(needB ? try g2.sum(dims: [0]) : nil) }
            return grads
        }
    }
}
