import Foundation
import Tokenizers

/// The tokenizer benchmark suite: encode throughput on SQuAD KB passages (MB of UTF-8 text per second),
/// single thread (one `encode` per passage) and batch-parallel (`encodeBatch`, all cores), for the real
/// all-MiniLM-L6-v2 WordPiece vocabulary and the committed byte-level BPE tokenizer.
/// Peer figures: scripts/bench/tokenizers_bench.py (Hugging Face tokenizers on the same text).
/// Text: $RAGTIME_SQUAD_KB (required: a SQuAD v1.1 `squad-kb.csv`, title<TAB>text per row),
/// the first `passageCount` passages.
func runTokenizerBenchmarks() throws {
    let passageCount = 4000
    let passages = try loadKBPassages(limit: passageCount)
    let bytes = passages.reduce(0) { $0 + $1.utf8.count }
    print(String(format: "text: %d passages, %.2f MB", passages.count, Double(bytes) / 1e6))
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("test_dir/fixtures/tokenizers")
    for (name, dir) in [("WordPiece (MiniLM vocab.txt, 30522)", "minilm"), ("byte-level BPE (trained, 6000)", "bpe")] {
        let tok = try Tokenizer.load(from: fixtures.appendingPathComponent(dir))
        var tokens = 0
        var cpu: [Double] = []
        let single = medianSeconds(repeats: 3) {
            tokens = 0
            let c0 = threadCPUSeconds()
            for p in passages { tokens += tok.encode(p).ids.count }
            cpu.append(threadCPUSeconds() - c0)
        }
        let singleCPU = cpu.sorted()[cpu.count / 2]
        let batch = try medianSecondsThrowing(repeats: 3) {
            _ = try tok.encodeBatch(passages, padding: .none)
        }
        print(String(format: "%-38@ single thread %6.2f MB/s wall, %6.2f MB/s CPU (%d tokens)   batch (%d cores) %6.2f MB/s",
                     name as NSString, Double(bytes) / 1e6 / single, Double(bytes) / 1e6 / singleCPU, tokens,
                     ProcessInfo.processInfo.activeProcessorCount, Double(bytes) / 1e6 / batch))
    }
    try trainingBenchmark(passages)
}

/// Training time for an 8,000-entry vocabulary on the same passages (one pass, wall clock).
private func trainingBenchmark(_ passages: [String]) throws {
    for (name, train) in [("train WordPiece 8000", { _ = try WordPieceTrainer(vocabSize: 8000).train(lines: passages) }),
                          ("train byte-level BPE 8000", { _ = try BPETrainer(vocabSize: 8000).train(lines: passages) })] {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try train()
        print(String(format: "%-38@ %6.2f s", name as NSString, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9))
    }
}

/// Rows of a title<TAB>text KB file, text column, CSV quoting ("..." with "" escapes) undone.
private func loadKBPassages(limit: Int) throws -> [String] {
    guard let path = ProcessInfo.processInfo.environment["RAGTIME_SQUAD_KB"], FileManager.default.fileExists(atPath: path) else {
        throw BenchError("SQuAD KB text not found: set RAGTIME_SQUAD_KB to a squad-kb.csv (title<TAB>text rows)")
    }
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var out: [String] = []
    for line in text.split(separator: "\n") where out.count < limit {
        guard let tab = line.firstIndex(of: "\t") else { continue }
        var field = String(line[line.index(after: tab)...])
        if field.hasPrefix("\""), field.hasSuffix("\""), field.count >= 2 {
            field = String(field.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
        }
        out.append(field)
    }
    return out
}

private struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// CPU time of the calling thread (insensitive to other processes sharing the cores).
private func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

private func medianSeconds(repeats: Int, _ body: () -> Void) -> Double {
    var times: [Double] = []
    for _ in 0..<repeats {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    return times.sorted()[times.count / 2]
}

private func medianSecondsThrowing(repeats: Int, _ body: () throws -> Void) throws -> Double {
    var times: [Double] = []
    for _ in 0..<repeats {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    return times.sorted()[times.count / 2]
}
