/// layer_norm over the last dim with optional affine weight and bias `[D]` (fused forward and
/// backward; PyTorch semantics: biased variance, eps inside the sqrt).

extension Tensor {
    /// y = (x - mean) / sqrt(var + eps) * weight + bias over the last dimension.
    public func layerNorm(weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) throws -> Tensor {
        guard rank >= 1, let d = shape.last, d > 0 else {
            throw TensorError.invalidShape(op: "layerNorm", shape: shape, reason: "needs rank >= 1 and a non-empty last dim")
        }
        for p in [weight, bias].compactMap({ $0 }) where p.shape != [d] {
            throw TensorError.shapeMismatch(op: "layerNorm", lhs: shape, rhs: p.shape, reason: "weight/bias must be [\(d)]")
        }
        let rows = count / d
        let out = Tensor(uninitialized: shape)
        let xhat = Tensor(uninitialized: shape)        // saved normalised input
        let rstd = Tensor(uninitialized: [rows])
        let (px, py, ph, pr) = (base, out.base, xhat.base, rstd.base)
        // Missing affine parameters act as ones / zeros so the loops have no optional branches.
        let w = weight ?? Tensor.filled([d], 1), b = bias ?? Tensor.filled([d], 0)
        let pw = w.base, pb = b.base
        Parallel.forEach(rows, grain: Swift.max(1, 8192 / d)) { range in
            for r in range {
                let xr = px + r * d, yr = py + r * d, hr = ph + r * d
                let mean = RowKernels.sum(xr, d) / Float(d)
                let mv = V16(repeating: mean)
                var acc = V16(repeating: 0)
                var i = 0
                while i + 16 <= d { let c = xr.load16(i) - mv; acc += c * c; i += 16 }
                var v = acc.sum()
                while i < d { let c = xr[i] - mean; v += c * c; i += 1 }
                let rs = 1 / (v / Float(d) + eps).squareRoot()
                pr[r] = rs
                let rv = V16(repeating: rs)
                i = 0
                while i + 16 <= d {
                    let h = (xr.load16(i) - mv) * rv
                    hr.store16(h, i)
                    yr.store16(h * pw.load16(i) + pb.load16(i), i)
                    i += 16
                }
                while i < d {
                    let h = (xr[i] - mean) * rs
                    hr[i] = h
                    yr[i] = h * pw[i] + pb[i]
                    i += 1
                }
            }
        }
        let inputs = [self] + [weight, bias].compactMap { $0 }
        let wd = w.detached()
        let (xTracks, wTracks, bTracks) = (tracksGrad, weight?.tracksGrad ?? false, bias?.tracksGrad ?? false)
        return Tensor.record(.layerNorm, inputs, out) { g in
            // gx = rstd (gh - mean(gh) - xhat mean(gh xhat)), gh = g w; gw = Σ g xhat; gb = Σ g.
            let gx = xTracks ? Tensor(uninitialized: xhat.shape) : nil
            let pgx = gx?.base, pg = g.base, pw = wd.base
            let ph = xhat.base, pr = rstd.base  // keeps the saved tensors alive in this closure
            let chunks = Swift.min(Parallel.threadCount, Swift.max(1, rows / 64))
            let partW = Tensor.filled([chunks, d], 0), partB = Tensor.filled([chunks, d], 0)
            let per = (rows + chunks - 1) / chunks
            Parallel.forEach(chunks, grain: 1) { cr in
                for c in cr {
                    let pwc = partW.base + c * d, pbc = partB.base + c * d
                    for r in (c * per)..<Swift.min(rows, (c + 1) * per) {
                        let hr = ph + r * d, gr = pg + r * d
                        var s1 = V16(repeating: 0), s2 = V16(repeating: 0)
                        var i = 0
                        while i + 16 <= d {
                            let gv = gr.load16(i), h = hr.load16(i)
                            let gh = gv * pw.load16(i)
                            s1 += gh; s2 += gh * h
                            if wTracks { pwc.store16(pwc.load16(i) + gv * h, i) }
                            if bTracks { pbc.store16(pbc.load16(i) + gv, i) }
                            i += 16
                        }
                        var m1 = s1.sum(), m2 = s2.sum()
                        while i < d {
                            let gh = gr[i] * pw[i]
                            m1 += gh; m2 += gh * hr[i]
                            if wTracks { pwc[i] += gr[i] * hr[i] }
                            if bTracks { pbc[i] += gr[i] }
                            i += 1
                        }
                        guard let pgx else { continue }
                        m1 /= Float(d); m2 /= Float(d)
                        let rs = pr[r], xr = pgx + r * d
                        let (m1v, m2v, rv) = (V16(repeating: m1), V16(repeating: m2), V16(repeating: rs))
                        i = 0
                        while i + 16 <= d {
                            let gv = gr.load16(i)
                            let gh = gv * pw.load16(i)
                            xr.store16(rv * (gh - m1v - hr.load16(i) * m2v), i)
                            i += 16
                        }
                        while i < d { xr[i] = rs * (gr[i] * pw[i] - m1 - hr[i] * m2); i += 1 }
                    }
                }
            }
            var grads: [Tensor?] = [gx]
            if weight != nil { grads.append(wTracks ? try partW.sum(dims: [0]) : nil) }
            if bias != nil { grads.append(bTracks ? try partB.sum(dims: [0]) : nil) }
            return grads
        }
    }
}
