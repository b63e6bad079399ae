// Tensor benchmarks: sgemm GFLOPS, the BERT-base layer's GEMM shapes (case "gemm"), and forward+backward
// of one BERT encoder layer composed from Tensor ops (BERT-base and MiniLM sizes).
// Compare with scripts/bench/tensor_layer.py (PyTorch).
import Foundation
import Tensor

/// Median wall time in seconds of `runs` calls after one warm-up call.
private func medianSeconds(runs: Int, _ body: () throws -> Void) rethrows -> Double {
    try body()
    var times: [Double] = []
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return times.sorted()[times.count / 2]
}

/// One post-norm BERT layer (HF BertLayer without dropout): self-attention, residual + LayerNorm,
/// GELU feed-forward, residual + LayerNorm. Weights use PyTorch's [out, in] layout.
private struct EncoderLayer {
    let hidden: Int, heads: Int, intermediate: Int
    let params: [String: Tensor]

    init(hidden: Int, heads: Int, intermediate: Int, rng: RNG) throws {
        self.hidden = hidden; self.heads = heads; self.intermediate = intermediate
        var p: [String: Tensor] = [:]
        for name in ["q", "k", "v", "o"] {
            p[name + ".w"] = try Tensor.randn([hidden, hidden], std: 0.02, generator: rng)
            p[name + ".b"] = try Tensor.zeros([hidden])
        }
        p["i.w"] = try Tensor.randn([intermediate, hidden], std: 0.02, generator: rng)
        p["i.b"] = try Tensor.zeros([intermediate])
        p["f.w"] = try Tensor.randn([hidden, intermediate], std: 0.02, generator: rng)
        p["f.b"] = try Tensor.zeros([hidden])
        for ln in ["ln1", "ln2"] {
            p[ln + ".w"] = try Tensor.ones([hidden])
            p[ln + ".b"] = try Tensor.zeros([hidden])
        }
        for t in p.values { t.requiresGrad = true }
        params = p
    }

    /// x: [B, T, H], additiveMask: [B, 1, 1, T] (0 keep, -10000 pad) -> [B, T, H].
    func callAsFunction(_ x: Tensor, additiveMask: Tensor) throws -> Tensor {
        let (b, t) = (x.shape[0], x.shape[1])
        let dh = hidden / heads
        func p(_ n: String) -> Tensor { params[n]! }
        func headsFirst(_ y: Tensor) throws -> Tensor { try y.reshaped([b, t, heads, dh]).permuted([0, 2, 1, 3]) }
        let q = try headsFirst(x.linear(weight: p("q.w"), bias: p("q.b")))
        let k = try headsFirst(x.linear(weight: p("k.w"), bias: p("k.b")))
        let v = try headsFirst(x.linear(weight: p("v.w"), bias: p("v.b")))
        let scores = try q.matmul(k, transposeB: true) * (1 / Float(dh).squareRoot()) + additiveMask
        let context = try scores.softmax(dim: -1).matmul(v).permuted([0, 2, 1, 3]).reshaped([b, t, hidden])
        let attention = try (context.linear(weight: p("o.w"), bias: p("o.b")) + x)
            .layerNorm(weight: p("ln1.w"), bias: p("ln1.b"), eps: 1e-12)
        let inter = try attention.linear(weight: p("i.w"), bias: p("i.b")).gelu()
        return try (inter.linear(weight: p("f.w"), bias: p("f.b")) + attention)
            .layerNorm(weight: p("ln2.w"), bias: p("ln2.b"), eps: 1e-12)
    }

    /// Multiply-add FLOPs of one forward pass (matmuls only); backward is twice that.
    func forwardFLOPs(batch: Int, seq: Int) -> Double {
        let tokens = Double(batch * seq), h = Double(hidden), i = Double(intermediate)
        let linears = 2 * tokens * (4 * h * h + 2 * h * i)
        let attention = 2 * 2 * Double(batch * seq * seq) * h
        return linears + attention
    }
}

private func sgemmGFLOPS(m: Int, k: Int, n: Int, rng: RNG) throws -> Double {
    let a = try Tensor.randn([m, k], generator: rng), b = try Tensor.randn([k, n], generator: rng)
    let seconds = try medianSeconds(runs: 9) { _ = try Tensor.withNoGrad { try a.matmul(b) } }
    return 2 * Double(m * n * k) / seconds / 1e9
}

func runTensorBenchmarks() throws {
    let rng = RNG(seed: 1)
    print("threads: \(Parallel.threadCount) (BLAS \(BLAS.threadCount), kernel \(BLAS.coreName))")
    var peak = 0.0
    for (m, k, n) in [(512, 768, 768), (2048, 768, 3072)] {
        let g = try sgemmGFLOPS(m: m, k: k, n: n, rng: rng)
        peak = max(peak, g)
        print(String(format: "%@ %dx%dx%d: %.1f GFLOPS", Precision.active == .bfloat16 ? "bf16 matmul" : "sgemm", m, k, n, g))
    }
    if benchCaseSelected("gemm") { try printLayerGEMMShapes(rng: rng) }
    // Swift kernels at BERT-base layer sizes (forward, no grad), median ms.
    let act = try Tensor.randn([1024, 3072], generator: rng), scores = try Tensor.randn([96 * 128, 128], generator: rng)
    let hidden = try Tensor.randn([1024, 768], generator: rng)
    let kernels: [(String, () throws -> Tensor)] = [
        ("gelu [1024, 3072]", { act.gelu() }),
        ("softmax [12288, 128]", { try scores.softmax(dim: -1) }),
        ("layerNorm [1024, 768]", { try hidden.layerNorm(weight: nil, bias: nil) }),
        ("add [1024, 3072] + [3072]", { try act + act.slice(dim: 0, start: 0, end: 1).reshaped([3072]) }),
    ]
    let kernelTimes = try kernels.map { name, body in
        (name, try medianSeconds(runs: 9) { _ = try Tensor.withNoGrad { try body() } })
    }
    print(kernelTimes.map { String(format: "%@: %.2f ms", $0.0, $0.1 * 1e3) }.joined(separator: ", "))
    let (batch, seq) = (8, 128)
    for (name, hidden, heads, inter) in [("BERT-base", 768, 12, 3072), ("MiniLM", 384, 12, 1536)] where benchCaseSelected(name) {
        let layer = try EncoderLayer(hidden: hidden, heads: heads, intermediate: inter, rng: rng)
        let x = try Tensor.randn([batch, seq, hidden], generator: rng)
        x.requiresGrad = true
        // Last 16 positions of every other sequence are padding.
        var mask = [Float](repeating: 0, count: batch * seq)
        for bi in stride(from: 1, to: batch, by: 2) { for j in (seq - 16)..<seq { mask[bi * seq + j] = -10000 } }
        let additive = try Tensor(shape: [batch, 1, 1, seq], scalars: mask)
        let seed = try Tensor.randn([batch, seq, hidden], generator: rng)
        let forward = try medianSeconds(runs: 5) { _ = try Tensor.withNoGrad { try layer(x, additiveMask: additive) } }
        let total = try medianSeconds(runs: 5) {
            let y = try layer(x, additiveMask: additive)
            try y.backward(gradient: seed)
            for p in layer.params.values { p.zeroGrad() }
            x.zeroGrad()
        }
        let flops = layer.forwardFLOPs(batch: batch, seq: seq)
        print(String(format: "%@ layer (b%d s%d h%d i%d): forward %.1f ms (%.1f GFLOPS), forward+backward %.1f ms (%.1f GFLOPS, %.0f%% of sgemm peak %.1f)",
                     name, batch, seq, hidden, inter, forward * 1e3, flops / forward / 1e9, total * 1e3,
                     3 * flops / total / 1e9, 100 * 3 * flops / total / 1e9 / peak, peak))
    }
}

/// The nine distinct GEMM shapes of a BERT-base layer's linears, forward and backward (8 x 128 tokens):
/// forward `x Wᵀ` (NT), input gradient `g W` (NN), weight gradient `gᵀ x` (TN), for one 768x768
/// projection (the other three repeat its shapes) and both feed-forward matrices. Best of 8 runs each
/// (the first one warms up); the peer prints the same lines (scripts/bench/tensor_layer.py), so a layer
/// gap can be read per GEMM.
private func printLayerGEMMShapes(rng: RNG) throws {
    let shapes: [(ta: Bool, tb: Bool, m: Int, n: Int, k: Int)] = [
        (false, true, 1024, 768, 768), (false, true, 1024, 3072, 768), (false, true, 1024, 768, 3072),
        (false, false, 1024, 768, 768), (false, false, 1024, 768, 3072), (false, false, 1024, 3072, 768),
        (true, false, 768, 768, 1024), (true, false, 3072, 768, 1024), (true, false, 768, 3072, 1024),
    ]
    var total = 0.0
    var line: [String] = []
    for s in shapes {
        let a = try Tensor.randn(s.ta ? [s.k, s.m] : [s.m, s.k], generator: rng)
        let b = try Tensor.randn(s.tb ? [s.n, s.k] : [s.k, s.n], generator: rng)
        var best = Double.infinity
        for _ in 0..<8 {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try Tensor.withNoGrad { try a.matmul(b, transposeA: s.ta, transposeB: s.tb) }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        total += best
        line.append(String(format: "%@%@ %dx%dx%d %.0f", s.ta ? "T" : "N", s.tb ? "T" : "N", s.m, s.n, s.k,
                           2 * Double(s.m * s.n * s.k) / best / 1e9))
    }
    print("layer GEMMs (GFLOPS, best of 8): " + line.joined(separator: ", ") + String(format: "; total %.1f ms", total * 1e3))
}
