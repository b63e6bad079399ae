import Foundation
import TestSupport
import XCTest

/// `scripts/squad_end2end.rag` end to end on the committed SQuAD slice (`test_dir/squad-slice`, scale=smoke)
/// through the real binary: every phase runs (data, BPE, pooling check, MiniLM encoders, KB + HNSW, reader
/// warm-up, start evaluation, both arms with at least one KB refresh in end2end, the table), then a second
/// run finds every phase's output and only reprints the report. Needs the real all-MiniLM-L6-v2 folder
/// ($RAGTIME_MINILM_DIR, installed by scripts/setup); skipped with the reason without it.
final class SquadSmokeTests: XCTestCase {
    func testSmokeRunProducesTheTableAndAResumedRunSkipsEveryPhase() throws {
        let env = ProcessInfo.processInfo.environment
        guard let minilm = env["RAGTIME_MINILM_DIR"], FileManager.default.fileExists(atPath: minilm + "/model.safetensors") else {
            throw XCTSkip("RAGTIME_MINILM_DIR does not name the all-MiniLM-L6-v2 folder (scripts/test sets it)")
        }
        let binary = RepoPaths.url(".build/debug/ragtime").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            XCTFail("\(binary) not built: run `swift build --product ragtime` first (scripts/test does)")
            return
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-squad-smoke-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        var environment = env
        environment["RAGTIME_STDLIB"] = RepoPaths.url("stdlib").path
        let arguments = ["run", "scripts/squad_end2end.rag", "--", "data=test_dir/squad-slice", "out=\(out.path)", "scale=smoke",
                         "minilm=\(minilm)"]

        let first = Subprocess.run(binary, arguments, currentDirectory: RepoPaths.root, environment: environment)
        XCTAssertEqual(first.status, 0, first.stderr)
        for phase in ["data", "tokenizer", "pooling", "encoders", "kb", "reader", "start", "original", "end2end", "report"] {
            XCTAssertTrue(first.stdout.contains("== \(phase)\n"), "phase \(phase) missing:\n\(first.stdout)")
        }
        let summaryURL = out.appendingPathComponent("results/summary.json")
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: summaryURL)) as? [String: Any])
        let metrics = ["seed_em", "exact_match", "f1", "answer_recall_at_1", "answer_recall_at_5", "answer_recall_at_10", "gold_recall_at_5"]
        for arm in ["start", "original", "end2end"] {
            let m = try XCTUnwrap(summary[arm] as? [String: Double], "\(arm) in \(summary.keys)")
            for key in metrics {
                let v = try XCTUnwrap(m[key], "\(arm).\(key)")
                XCTAssertTrue((0...100).contains(v), "\(arm).\(key) = \(v)")
            }
        }
        XCTAssertEqual(summary["kb_passages"] as? Int, 107)
        XCTAssertEqual(summary["dev_questions"] as? Int, 40)
        let refreshes = try XCTUnwrap(summary["refreshes"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(refreshes.count, 1)
        for r in refreshes { XCTAssertTrue(r["error"] is NSNull, "refresh failed: \(r)") }
        let table = try String(contentsOf: out.appendingPathComponent("results/table.md"), encoding: .utf8)
        XCTAssertEqual(table.split(separator: "\n").filter { $0.hasPrefix("| ") && $0.contains("[") && !$0.hasPrefix("| metric") }.count, metrics.count, table)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("results/curves.svg").path))

        // Rerun: nothing is recomputed (no training progress, no encoding), the same table is printed.
        let second = Subprocess.run(binary, arguments, currentDirectory: RepoPaths.root, environment: environment)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertFalse(second.stderr.contains("step "), second.stderr)
        XCTAssertFalse(second.stderr.contains("encoding KB"), second.stderr)
        XCTAssertTrue(second.stdout.contains(String(table.split(separator: "\n")[2])), second.stdout)
    }
}
