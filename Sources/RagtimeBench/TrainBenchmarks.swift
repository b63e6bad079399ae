import Foundation
import NN
import Tensor

/// The training-step suite: seconds per end-to-end RAG-token training step (forward, backward,
/// AdamW over all three networks, zero grads) and the peak RSS, at tiny, MiniLM + BART-512 and
/// BERT-base + BART-base size; same model and batch as the `rag` suite. Then the SQuAD-shaped cases
/// `squad-original` / `squad-end2end` (SquadTrainBenchmarks.swift: the SQuAD experiment's two arms, updates/s).
/// Each case runs in its own child process (this executable with `RAGTIME_BENCH_CASES` set to the case's
/// first word), so each peak RSS (`ru_maxrss`) is that case's own. Peer: scripts/bench/train_step_bench.py
/// (PyTorch + transformers, torch.optim.AdamW).
func runTrainBenchmarks() throws {
    let env = ProcessInfo.processInfo.environment
    if env["RAGTIME_TRAIN_CHILD"] == "1" {
        for s in RagBenchSize.train where benchCaseSelected(s.name) { try trainStep(s) }
        for c in SquadTrainCase.all where benchCaseSelected(c.name) { try squadTrainStep(c) }
        return
    }
    let sizes = RagBenchSize.train.map(\.name).filter(benchCaseSelected)
    let squad = SquadTrainCase.all.map(\.name).filter(benchCaseSelected)
    if !sizes.isEmpty { print("case                               step s (median)   loss      peak RSS MB") }
    for name in sizes { try runTrainChild(name, env: env) }
    if !squad.isEmpty { print(SquadTrainCase.header) }
    for name in squad { try runTrainChild(name, env: env) }
}

/// Runs case `name` in a child process and prints its result line (and its indented detail lines).
private func runTrainChild(_ name: String, env: [String: String]) throws {
    let child = Process()
    child.executableURL = URL(fileURLWithPath: "/proc/self/exe")
    child.arguments = ["train"]
    var childEnv = env
    childEnv["RAGTIME_TRAIN_CHILD"] = "1"
    childEnv["RAGTIME_BENCH_CASES"] = String(name.prefix(while: { $0 != " " }))
    child.environment = childEnv
    let pipe = Pipe()
    child.standardOutput = pipe
    try child.run()
    let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    child.waitUntilExit()
    guard child.terminationStatus == 0 else {
        throw TrainBenchError.child("train \(name) exited with \(child.terminationStatus): \(out)")
    }
    print(out.split(separator: "\n").filter { $0.hasPrefix(name) || $0.hasPrefix("  ") }.joined(separator: "\n"))
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
