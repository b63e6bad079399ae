import Foundation
import TestSupport
import XCTest

/// The `mpi` namespace, quiet ranks, sharded encoding, failures and the dummy fine-tune under `mpirun`.
final class MPIJobTests: XCTestCase {
    static let collectives = """
        s = mpi.allreduce(mpi.rank + 1)
        m = mpi.allreduce(float(mpi.rank), op: "mean")
        t = mpi.allreduce(tensor.ones([2]) * (mpi.rank + 1), op: "max")
        b = mpi.broadcast({a: [1, 2], from: mpi.rank}, root: mpi.size - 1)
        g = mpi.gather("r{mpi.rank}")
        mpi.barrier()
        print("{mpi.rank}/{mpi.size} sum {s} mean {m} max {t.tolist()} {b} {g}")
        """

    func testCollectivesOnOneAndTwoRanks() throws {
        let alone = try MPIJob.run(0, ["-e", Self.collectives])
        XCTAssertEqual(alone.status, 0, alone.stderr)
        XCTAssertEqual(alone.stdout, "0/1 sum 1 mean 0.0 max [1.0, 1.0] {\"a\": [1, 2], \"from\": 0} [\"r0\"]\n")
        let two = try MPIJob.run(2, ["-e", Self.collectives])
        XCTAssertEqual(two.status, 0, two.stderr)
        XCTAssertEqual(two.stdout, "0/2 sum 3 mean 0.5 max [2.0, 2.0] {\"a\": [1, 2], \"from\": 1} [\"r0\", \"r1\"]\n",
                       "only rank 0 prints by default")
        let all = try MPIJob.run(2, ["-e", Self.collectives], environment: ["RAGTIME_MPI_OUTPUT": "all"])
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertTrue(all.stdout.contains("[rank 1] 1/2 sum 3 mean 0.5"), all.stdout)
        XCTAssertTrue(all.stdout.contains("0/2 sum 3"), all.stdout)
    }

    func testMismatchedShapesAndBadRootAreLocatedErrors() throws {
        let shapes = try MPIJob.run(2, ["-e", "x = mpi.allreduce(tensor.ones([mpi.rank + 1]))"])
        XCTAssertEqual(shapes.status, 70)
        XCTAssertTrue(shapes.stderr.contains("x (type and shape) differs between ranks: rank 0 Tensor[1], rank 1 Tensor[2]"), shapes.stderr)
        let root = try MPIJob.run(2, ["-e", "mpi.broadcast(1, root: 2)"])
        XCTAssertEqual(root.status, 70)
        XCTAssertTrue(root.stderr.contains("root must be a rank from 0 to 1, got 2"), root.stderr)
    }

    /// Embeddings and index of 1, 2 and 3 ranks are the same bytes.
    func testShardedEncodingIsBitIdentical() throws {
        let base = MPIJob.scratch("shards")
        defer { try? FileManager.default.removeItem(at: base) }
        var files: [[Data]] = []
        for ranks in [0, 2, 3] {
            let out = base.appendingPathComponent("r\(ranks)")
            let r = try MPIJob.run(ranks, ["run", "test_dir/scripts/shard_encode.rag", "--", out.path])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout, "Index(hnsw M 16, inner product, 107 x 32)\nKB(69 documents -> 107 passages, encoded, dimension 32, hnsw index)\n")
            files.append(try ["embeddings.safetensors", "index.faiss"].map { try Data(contentsOf: out.appendingPathComponent($0)) })
        }
        XCTAssertEqual(files[1], files[0], "2 ranks")
        XCTAssertEqual(files[2], files[0], "3 ranks")
    }

    func testAnErrorOnOneRankEndsTheJobWithItsLocatedMessage() throws {
        let start = Date()
        let r = try MPIJob.run(2, ["-e", "if mpi.rank == 1 { error(\"bad input on one rank\") }\nmpi.barrier()\nprint(\"unreachable\")"])
        XCTAssertEqual(r.status, 70, r.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
        XCTAssertTrue(r.stderr.contains("rank 1: <-e>:1:20: error: bad input on one rank"), r.stderr)
        XCTAssertFalse(r.stdout.contains("unreachable"))
    }

    func testAKilledRankEndsTheJobWithinSeconds() throws {
        let marker = "killed-rank-\(UUID().uuidString)"
        let p = try MPIJob.start(2, ["-e", "mpi.barrier()\nwhile true { time.sleep(0.05) }", "--", marker])
        defer { if p.isRunning { p.terminate() } }
        var victim: Int32?
        let deadline = Date().addingTimeInterval(30)
        while victim == nil && Date() < deadline { victim = Self.rankProcess(marker: marker, rank: 1); usleep(50_000) }
        guard let victim else { return XCTFail("rank 1 never started") }
        usleep(300_000)
        kill(victim, SIGKILL)
        let killed = Date()
        while p.isRunning && Date().timeIntervalSince(killed) < 20 { usleep(50_000) }
        XCTAssertFalse(p.isRunning, "the job still runs 20 s after a rank was killed")
        XCTAssertNotEqual(p.terminationStatus, 0)
        XCTAssertNil(Self.rankProcess(marker: marker, rank: 0), "rank 0 outlived the job")
    }

    func testDummyFinetuneRunsUnchangedOnTwoRanks() throws {
        let out = MPIJob.scratch("dummy")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try MPIJob.run(2, ["run", "scripts/test_finetune.rag", "--", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("training loss fell: true"), r.stdout)
        XCTAssertTrue(r.stdout.contains("output: [\"checkpoint1\", \"checkpoint2\", \"curves.svg\", \"dpr_ctx_checkpoint\", \"metrics.json\"]"), r.stdout)
    }

    /// The SQuAD experiment's smoke preset under `mpirun -np 2`: every phase (the reader and both arms train
    /// data-parallel, the KB encoding and the end2end refresh are sharded) and the table, printed once.
    /// `indexing_freq` counts global micro-batches (as the research project's counts each GPU's steps under DDP),
    /// so 2 ranks have half the one-process micro-batches: a refresh every micro-batch keeps one in the run.
    func testSquadSmokeRunsOnTwoRanks() throws {
        guard let minilm = ProcessInfo.processInfo.environment["RAGTIME_MINILM_DIR"],
              FileManager.default.fileExists(atPath: minilm + "/model.safetensors") else {
            throw XCTSkip("RAGTIME_MINILM_DIR does not name the all-MiniLM-L6-v2 folder (scripts/test sets it)")
        }
        let out = MPIJob.scratch("squad-mpi")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try MPIJob.run(2, ["run", "scripts/squad_end2end.rag", "--", "data=test_dir/squad-slice", "out=\(out.path)",
                                   "scale=smoke", "minilm=\(minilm)", "indexing_freq=1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for phase in ["data", "tokenizer", "pooling", "encoders", "kb", "reader", "start", "original", "end2end", "report"] {
            XCTAssertEqual(r.stdout.components(separatedBy: "== \(phase)\n").count, 2, "phase \(phase) printed once:\n\(r.stdout)")
        }
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("results/summary.json"))) as? [String: Any])
        XCTAssertEqual(summary["kb_passages"] as? Int, 107)
        let refreshes = try XCTUnwrap(summary["refreshes"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(refreshes.count, 1)
        for refresh in refreshes { XCTAssertTrue(refresh["error"] is NSNull, "refresh failed: \(refresh)") }
    }

    /// The PID of the `ragtime` process of `rank` whose command line holds `marker` (Open MPI puts the rank in
    /// each process's environment as OMPI_COMM_WORLD_RANK).
    static func rankProcess(marker: String, rank: Int) -> Int32? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for name in names {
            guard let pid = Int32(name),
                  let cmdline = FileManager.default.contents(atPath: "/proc/\(name)/cmdline"),
                  String(decoding: cmdline, as: UTF8.self).contains(marker),
                  !String(decoding: cmdline, as: UTF8.self).contains("mpirun"),
                  let environ = FileManager.default.contents(atPath: "/proc/\(name)/environ") else { continue }
            let vars = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if vars.contains("OMPI_COMM_WORLD_RANK=\(rank)") { return pid }
        }
        return nil
    }
}
