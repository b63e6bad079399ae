import Foundation
import NN
import Tensor

/// The training-step suite (issue 8): seconds per end-to-end RAG-token training step (forward, backward,
/// AdamW over all three networks, zero grads) and the peak RSS, at tiny, MiniLM + BART-512 and
/// BERT-base + BART-base size; same model and batch as the `rag` suite. Each size runs in its own child
/// process (this executable with `RAGTIME_BENCH_CASES` set), so each peak RSS (`ru_maxrss`) is that
/// size's own. Peer: scripts/bench/train_step_bench.py (PyTorch + transformers, torch.optim.AdamW).
func runTrainBenchmarks() throws {
    let env = ProcessInfo.processInfo.environment
    if env["RAGTIME_TRAIN_CHILD"] == "1" {
        for s in RagBenchSize.train where benchCaseSelected(s.name) { try trainStep(s) }
        return
    }
    print("case                               step s (median)   loss      peak RSS MB")
    for s in RagBenchSize.train where benchCaseSelected(s.name) {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        child.arguments = ["train"]
        var childEnv = env
        childEnv["RAGTIME_TRAIN_CHILD"] = "1"
        childEnv["RAGTIME_BENCH_CASES"] = String(s.name.prefix(while: { $0 != " " }))
        child.environment = childEnv
        let pipe = Pipe()
        child.standardOutput = pipe
        try child.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        guard child.terminationStatus == 0 else {
            throw TrainBenchError.child("train \(s.name) exited with \(child.terminationStatus): \(out)")
        }
        print(out.split(separator: "\n").filter { $0.hasPrefix(s.name) }.joined(separator: "\n"))
    }
}

enum TrainBenchError: Error { case child(String) }

private func trainStep(_ s: RagBenchSize) throws {
    let setup = try RagBenchSetup(s)
    let rag = setup.rag
    let opt = try AdamW(parameters: rag.namedParameters(), learningRate: 3e-5, weightDecay: 0.001)
    var loss: Float = 0
    let step = try ragMedian(reps: s.reps) {
        let out = try rag(inputIds: setup.ids, attentionMask: setup.mask, labels: setup.labels, reduceLoss: true)
        guard let l = out.loss else { return }
        try l.backward()
        try opt.step()
        opt.zeroGrad()
        loss = try l.item()
    }
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    print(String(format: "%-34@ %12.3f %12.3f %12.0f", s.name as NSString, step, loss, Double(usage.ru_maxrss) / 1024))
}
