// The index benchmark suite: the same cases as scripts/bench/faiss_bench.py, on the same data
// files (tmp/bench-index/*.f32, written by `faiss_bench.py data`). Run both with scripts/bench/index_bench.sh.
// Prints a table and writes tmp/bench-index/ragtime.json for `faiss_bench.py report`.
import Foundation
import Index
import Tensor

private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let dataDir = root.appendingPathComponent("tmp/bench-index")
private let d = 768, nq = 1000, k = 5
private let efs = [16, 32, 64, 128, 256, 512, 1024, 2048]

private func loadRows(_ name: String, rows: Int) throws -> [Float] {
    let url = dataDir.appendingPathComponent(name)
    let handle = try FileHandle(forReadingFrom: url)
    defer { try? handle.close() }
    guard let data = try handle.read(upToCount: rows * d * 4), data.count == rows * d * 4 else {
        throw IndexError.io(path: url.path, message: "fewer than \(rows) rows; run scripts/bench/faiss_bench.py data")
    }
    return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
}

/// Best of `times` wall-clock runs, in seconds.
private func timed<T>(_ times: Int, _ body: () throws -> T) rethrows -> (Double, T) {
    var best = Double.infinity
    var out: T?
    for _ in 0 ..< times {
        let t = DispatchTime.now().uptimeNanoseconds
        out = try body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9)
    }
    return (best, out!)
}

private func recallAt(_ r: SearchResults, _ truth: SearchResults) -> Double {
    var hit = 0
    for q in 0 ..< truth.queryCount {
        let t = Set(truth.ids(ofQuery: q))
        hit += r.ids(ofQuery: q).filter { t.contains($0) }.count
    }
    return Double(hit) / Double(truth.queryCount * truth.k)
}

func runIndexBenchmarks() throws {
    guard FileManager.default.fileExists(atPath: dataDir.appendingPathComponent("random-base.f32").path) else {
        print("index: no data in \(dataDir.path); run `$PYTHON scripts/bench/faiss_bench.py data` (or scripts/bench/index_bench.sh)")
        return
    }
    if BLAS.coreName == "Prescott" {
        print("index: note: OpenBLAS runs its generic Prescott kernel; set OPENBLAS_CORETYPE=SkylakeX for fair flat figures (docs/tensor.md)")
    }
    let env = ProcessInfo.processInfo.environment
    let full = env["RAGTIME_BENCH_FULL"] == "1", quick = env["RAGTIME_BENCH_QUICK"] == "1"
    var cases: [[String: Any]] = []
    for kind in quick ? ["random"] : ["random", "clustered"] {
        let queries = try loadRows("\(kind)-queries.f32", rows: nq)
        let maxN = Int(env["RAGTIME_BENCH_MAX_N"] ?? "") ?? 100_000
        for n in (quick ? [20_000] : [20_000, 100_000]) where n <= maxN {
            let base = try loadRows("\(kind)-base.f32", rows: n)
            let flat = try FlatIndex(dimension: d, metric: .innerProduct)
            try flat.add(base)
            let (tFlat, truth) = try timed(3) { try flat.search(queries, k: k) }
            print(String(format: "%@ %d: flat %.0f q/s", kind, n, Double(nq) / tFlat))
            var hnswCases: [[String: Any]] = []
            for m in quick ? [32] : (n == 20_000 || full) ? [32, 128] : [32] {
                let index = try HNSWIndex(dimension: d, m: m, metric: .innerProduct)
                let (build, _) = try timed(1) { try index.add(base) }
                var points: [[String: Any]] = []
                var line = String(format: "  M %d: build %.1f s;", m, build)
                for ef in efs {
                    // One timed run when it is slow; stop once recall 0.99 is reached.
                    let (t1, r) = try timed(1) { try index.search(queries, k: k, efSearch: ef) }
                    let t = t1 < 0.5 ? min(t1, try timed(2) { try index.search(queries, k: k, efSearch: ef) }.0) : t1
                    let rec = recallAt(r, truth)
                    points.append(["ef": ef, "qps": Double(nq) / t, "recall": rec])
                    line += String(format: " ef %d: %.0f q/s r %.3f,", ef, Double(nq) / t, rec)
                    if rec >= 0.99 { break }
                }
                print(line)
                hnswCases.append(["m": m, "build_s": build, "points": points])
            }
            cases.append(["kind": kind, "n": n, "flat_qps": Double(nq) / tFlat, "hnsw": hnswCases])
        }
    }
    let json: [String: Any] = ["blas": "OpenBLAS \(BLAS.coreName), \(BLAS.threadCount) threads", "cases": cases]
    try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted]).write(to: dataDir.appendingPathComponent(env["RAGTIME_BENCH_OUT"] ?? "ragtime.json"))
}
