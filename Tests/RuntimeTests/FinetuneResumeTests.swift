import Foundation
import TestSupport
import XCTest

/// The resume guarantee through the real binary: `test_dir/scripts/finetune_resume.rag` (tiny end-to-end
/// RAG, dropout 0.1, accumulation 2, synchronous KB refreshes, a checkpoint every 2 updates) runs once
/// uninterrupted; a second run is killed with SIGKILL as soon as a checkpoint is complete and then rerun with
/// `resume`. Both runs must end with byte-identical final checkpoints (RAG weights, context encoder, KB).
final class FinetuneResumeTests: XCTestCase {
    static let script = "test_dir/scripts/finetune_resume.rag"

    func testSIGKILLThenResumeEndsWithTheUninterruptedWeights() throws {
        let binary = RepoPaths.url(".build/debug/ragtime").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            XCTFail("\(binary) not built: run `swift build --product ragtime` first (scripts/test does)")
            return
        }
        let root = RepoPaths.root
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-resume-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let full = base.appendingPathComponent("full"), killed = base.appendingPathComponent("killed")
        var env = ProcessInfo.processInfo.environment
        env["RAGTIME_STDLIB"] = RepoPaths.url("stdlib").path

        let a = Subprocess.run(binary, ["run", Self.script, "--", full.path], currentDirectory: root, environment: env)
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(a.stdout, "steps 12, checkpoints [1, 2, 3, 4, 5, 6]\n")

        // Start the second run and SIGKILL it once checkpoint1 is complete (its trainer_state.json exists).
        let p = try Subprocess.start(binary, ["run", Self.script, "--", killed.path], currentDirectory: root, environment: env)
        let marker = killed.appendingPathComponent("checkpoint1/trainer_state/trainer_state.json").path
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: marker) && p.isRunning && Date() < deadline { usleep(20_000) }
        let wasRunning = p.isRunning
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertTrue(wasRunning, "the run ended before it could be killed")
        XCTAssertEqual(p.terminationReason, .uncaughtSignal)
        let last = try lastCheckpoint(killed)
        XCTAssertLessThan(last, 6, "killed after the final checkpoint: the test proves nothing")

        let c = Subprocess.run(binary, ["run", Self.script, "--", killed.path, "resume"], currentDirectory: root, environment: env)
        XCTAssertEqual(c.status, 0, c.stderr)
        XCTAssertEqual(c.stdout, "steps 12, checkpoints [1, 2, 3, 4, 5, 6]\n")

        for file in ["checkpoint6/model.safetensors", "dpr_ctx_checkpoint/checkpoint6/model.safetensors",
                     "checkpoint6/trainer_state/optimizer.safetensors", "checkpoint6/trainer_state/kb/embeddings.safetensors"] {
            let x = try Data(contentsOf: full.appendingPathComponent(file)), y = try Data(contentsOf: killed.appendingPathComponent(file))
            XCTAssertTrue(x == y, "\(file) differs between the uninterrupted and the killed+resumed run (killed after checkpoint \(last))")
        }
    }

    /// The newest complete checkpoint number in `dir`.
    private func lastCheckpoint(_ dir: URL) throws -> Int {
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        let done = names.compactMap { n -> Int? in
            guard n.hasPrefix("checkpoint"), let k = Int(n.dropFirst("checkpoint".count)) else { return nil }
            let state = dir.appendingPathComponent(n).appendingPathComponent("trainer_state/trainer_state.json").path
            return FileManager.default.fileExists(atPath: state) ? k : nil
        }
        return try XCTUnwrap(done.max())
    }
}
