import Foundation
import Runtime
import TestSupport
import XCTest

/// Ctrl-C during `train.finetune` (the REPL's interrupt flag is the interpreter's `interruptCheck`): training
/// stops at an optimizer-step boundary, the statement ends as "interrupted", the model is usable in the same
/// session, and `resume: true` continues from the last checkpoint to the planned number of steps.
final class FinetuneInterruptTests: XCTestCase {
    func testCtrlCStopsAtAStepBoundaryAndTheSessionResumes() throws {
        _ = FileManager.default.changeCurrentDirectoryPath(RepoPaths.root.path)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-interrupt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let interpreter = Interpreter(options: .init(stdlibPath: RepoPaths.url("stdlib").path))
        // "Ctrl-C" once the first checkpoint is complete.
        let marker = out.appendingPathComponent("checkpoint1/trainer_state/trainer_state.json").path
        nonisolated(unsafe) var armed = true
        interpreter.interruptCheck = { armed && FileManager.default.fileExists(atPath: marker) }
        let name = "test_dir/golden/train/interrupt_session.rag"   // imports resolve next to the golden train cases
        func run(_ source: String) throws(ScriptError) -> String {
            let sink = StringSink()
            try interpreter.run(source: source, name: name, output: sink)
            return sink.text
        }

        _ = try run("""
            import "_lib/tiny_rag"
            r = rag_build(q, g, knowledge, ctx_encoder: ctx, n_docs: 2, max_combined_length: 96)
            opts = {n_train: 16, n_val: 2, train_batch_size: 4, eval_batch_size: 2, num_train_epochs: 2, val_max_target_length: 4,
                    learning_rate: 0.001, val_check_interval: 1, end2end: true, indexing_freq: 2, refresh: "synchronous", log: false}
            """)
        let finetune = "result = train.finetune(r, data: \"test_dir/dummy-train-data\", output: \"\(out.path)\", options: opts)\n"
        XCTAssertThrowsError(try run(finetune)) { error in
            XCTAssertEqual((error as? ScriptError)?.kind, .interrupted, "\(error)")
        }
        let done = CheckpointSteps.complete(out)
        XCTAssertTrue(done.contains(1))
        XCTAssertLessThan(done.max() ?? 0, 8, "training ran to the end despite the interrupt")

        armed = false
        XCTAssertEqual(try run("r.training\nlen(r.generate([\"who is aaron?\"], beams: 1, max_length: 4))\n"), "false\n1\n")
        let resumed = try run("opts[\"resume\"] = true\n" + finetune + "[result[\"steps\"], result[\"cancelled\"], result[\"checkpoints\"]]\n")
        XCTAssertEqual(resumed, "[8, false, [1, 2, 3, 4, 5, 6, 7, 8]]\n")
    }
}

enum CheckpointSteps {
    /// Numbers of the complete checkpoints (with trainer_state.json) in `dir`.
    static func complete(_ dir: URL) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.compactMap { n -> Int? in
            guard n.hasPrefix("checkpoint"), let k = Int(n.dropFirst("checkpoint".count)) else { return nil }
            let state = dir.appendingPathComponent(n).appendingPathComponent("trainer_state/trainer_state.json").path
            return FileManager.default.fileExists(atPath: state) ? k : nil
        }.sorted()
    }
}
