import Foundation
import KB
import Models
import Tensor
import Tokenizers

/// The `kb-encode` suite: KB encoding throughput (passages/s) on real SQuAD passages, the KB path of the SQuAD
/// experiment (scripts/squad_end2end.rag, phase "kb").
///
/// Model: all-MiniLM-L6-v2 as a DPR context encoder (`DPREncoder.fromBert(folder:kind:pooling:)`, `.mean` pooling;
/// hidden 384, 6 layers, 12 heads, intermediate 1536, vocab 30522), eval mode, no gradients (`DPRPassageEncoder`).
/// Inputs: the first N passages of the SQuAD KB file (default 512; `RAGTIME_KB_PASSAGES`), (title, text) pairs
/// through the MiniLM WordPiece tokenizer, truncation at 512, each batch padded to its own longest row.
/// Timed: `KnowledgeBase.encode(with:batchSize: 16)` over all N passages (`PassageEncoding` orders them longest
/// first by UTF-8 length of title + text and batches 16 at a time; tokenization, encoder, copy into KB order),
/// median of `RAGTIME_BENCH_REPS` (default 3) runs after one warm-up on the 32 longest passages.
/// Peer: scripts/bench/kb_encode_bench.py (transformers BertModel + mean pooling, float32 and bf16 autocast).
func runKBEncodeBenchmarks() throws {
    let name = "squad MiniLM 384x6 mean, batch 16"
    guard benchCaseSelected(name) else { return }
    print("case                                 passages   encode s (median)   passages/s")
    if let why = SquadBenchData.missing([SquadBenchData.kbRequirement, SquadBenchData.miniLMRequirement]) {
        print("\(name): \(why)")
        return
    }
    let env = ProcessInfo.processInfo.environment
    let count = env["RAGTIME_KB_PASSAGES"].flatMap(Int.init).map { max(16, $0) } ?? 512
    let reps = SquadBenchData.reps(3)
    let passages = try SquadBenchData.passages(count)
    let tokenizer = try Tokenizer.load(from: SquadBenchData.miniLM)
    let encoder = try DPRPassageEncoder(
        encoder: try DPREncoder.fromBert(folder: SquadBenchData.miniLM, kind: .context, pooling: .mean),
        tokenizer: tokenizer)
    let kb = KnowledgeBase(passages: passages, manifest: KBManifest(
        source: SquadBenchData.kbFile.path, sourceFormat: .csv, documents: 0, skippedRows: 0, wordsPerPassage: 100,
        passages: passages.count))

    // Shapes (not timed): token counts of the pairs, and the token positions the length-ordered batches of 16
    // process (each batch padded to its longest row) relative to the real tokens.
    let lengths = try tokenizer.encodeBatch(passages.map(\.title), pairs: passages.map(\.text), maxLength: encoder.maxLength,
                                            padding: .none).ids.map(\.count)
    let order = byteLengthOrder(passages)
    var positions = 0
    for b in stride(from: 0, to: order.count, by: 16) {
        let rows = order[b ..< min(b + 16, order.count)]
        positions += rows.count * (rows.map { lengths[$0] }.max() ?? 0)
    }
    print("  shapes: \(passages.count) passages, WordPiece pair tokens \(SquadBenchData.lengthSummary(lengths)), "
          + String(format: "padded positions / tokens %.3f", Double(positions) / Double(lengths.reduce(0, +))))

    _ = try PassageEncoding.encode(order.prefix(32).map { passages[$0] }, with: encoder, batchSize: 16)  // warm-up
    var times: [Double] = []
    for _ in 0 ..< reps {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try kb.encode(with: encoder, batchSize: 16)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    let median = times.sorted()[times.count / 2]
    print(name.padding(toLength: 36, withPad: " ", startingAt: 0)
          + String(format: " %9d %16.3f %16.1f", passages.count, median, Double(passages.count) / median)
          + "   (runs: " + times.map { String(format: "%.3f", $0) }.joined(separator: ", ") + ")")
}

/// Passage indices longest first by UTF-8 length of title + text, ties in row order (`PassageEncoding`'s order).
private func byteLengthOrder(_ passages: [Passage]) -> [Int] {
    let bytes = passages.map { $0.title.utf8.count + $0.text.utf8.count }
    return passages.indices.sorted { bytes[$0] != bytes[$1] ? bytes[$0] > bytes[$1] : $0 < $1 }
}
