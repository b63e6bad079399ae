/// Inverted dropout with a seeded generator: during training each element is zeroed with
/// probability `p` and the survivors scaled by 1/(1-p); at inference it is the identity.

extension Tensor {
    public func dropout(p: Float, generator: RNG, training: Bool) throws -> Tensor {
        guard (0..<1).contains(p) || p == 1 else {
            throw TensorError.invalidArgument(op: "dropout", reason: "p = \(p) must be in [0, 1]")
        }
        guard training, p > 0 else { return self }
        let mask = Tensor(uninitialized: shape)
        let keep = p == 1 ? 0 : 1 / (1 - p)
        for i in 0..<count { mask.base[i] = generator.uniform() < p ? 0 : keep }
        let out = try Tensor.withNoGrad { try self * mask }
        return Tensor.record(.dropout, [self], out) { g in [try g * mask] }
    }
}
