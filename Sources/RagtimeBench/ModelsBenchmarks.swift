import Foundation
import Models
import Tensor

/// The models suite: DPR context encoder forward+backward on 16 passages x 128 tokens (train
/// mode, loss = mean(pooled²)) and KB encoding throughput (eval, no grad), at MiniLM and BERT-base size.
/// Peer figures: scripts/bench/models_bench.py (PyTorch, same shapes, same machine).
func runModelsBenchmarks() throws {
    let sizes: [(name: String, hidden: Int, layers: Int, heads: Int, ff: Int, reps: Int)] = [
        ("MiniLM (384x6)", 384, 6, 12, 1536, 5),
        ("BERT-base (768x12)", 768, 12, 12, 3072, 3),
    ]
    let (batch, length) = (16, 128)
    print("case                           fwd+bwd s (median)   encode passages/s")
    for s in sizes where benchCaseSelected(s.name) {
        var c = BertConfig()
        c.hiddenSize = s.hidden; c.numHiddenLayers = s.layers; c.numAttentionHeads = s.heads; c.intermediateSize = s.ff
        let model = try DPREncoder(kind: .context, config: c, seed: 1)
        let rng = RNG(seed: 2)
        var ids = [Int](repeating: 0, count: batch * length)
        for i in ids.indices { ids[i] = i % length == 0 ? 101 : 1000 + Int(rng.next() % 20000) }
        let input = try IntTensor(shape: [batch, length], scalars: ids)
        let mask = try IntTensor(shape: [batch, length], scalars: Array(repeating: 1, count: batch * length))

        model.train()
        let step = try median(reps: s.reps) {
            let pooled = try model.pooled(inputIds: input, attentionMask: mask)
            let loss = try (pooled * pooled).mean()
            try loss.backward()
            model.zeroGrad()
        }
        model.eval()
        let encode = try median(reps: 3 * s.reps) {    // one batch is short: three times the runs (as the peer)
            _ = try Tensor.withNoGrad { try model.pooled(inputIds: input, attentionMask: mask) }
        }
        print(s.name.padding(toLength: 30, withPad: " ", startingAt: 0)
              + String(format: " %10.3f %22.1f", step, Double(batch) / encode))
    }
}

/// Median wall time in seconds of `reps` runs after one warm-up run.
private func median(reps: Int, _ body: () throws -> Void) throws -> Double {
    try body()
    var times: [Double] = []
    for _ in 0..<reps {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    return times.sorted()[times.count / 2]
}
