// Search-only HNSW benchmark on ONE graph shared with faiss (`faiss_bench.py search` builds and writes
// tmp/bench-index/random-20k-m32.faiss): Ragtime reads that file, so both libraries walk the same graph
// and the comparison isolates the search loop. Single-threaded, CPU seconds per query (best of ROUNDS),
// and the fraction of result ids equal to faiss's (faiss-search-ids-ef*.i64), which should be 1.0 up to
// float-rounding ties. Env: ROUNDS (default 3), EFS (e.g. "64,2048"). Driver: scripts/bench/hnsw_search_bench.sh.
import Foundation
import Index

private let searchDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("tmp/bench-index")
private let searchEfs = [64, 256, 512, 1024, 2048]

private func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func runIndexSearchBenchmarks() throws {
    let graphURL = searchDir.appendingPathComponent("random-20k-m32.faiss")
    guard FileManager.default.fileExists(atPath: graphURL.path) else {
        print("index-search: no \(graphURL.path); run `$PYTHON scripts/bench/faiss_bench.py search` first")
        return
    }
    guard let index = try FaissFile.read(from: graphURL) as? HNSWIndex else {
        throw IndexError.corruptFile("\(graphURL.path) is not an IndexHNSWFlat")
    }
    index.searchThreads = 1
    let d = index.dimension, nq = 1000, k = 5
    let qData = try Data(contentsOf: searchDir.appendingPathComponent("random-queries.f32"))
    guard qData.count == nq * d * 4 else {
        throw IndexError.io(path: "random-queries.f32", message: "expected \(nq) rows of \(d) floats")
    }
    let queries = qData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    let env = ProcessInfo.processInfo.environment
    let rounds = Int(env["ROUNDS"] ?? "") ?? 3
    let efs = env["EFS"].map { $0.split(separator: ",").compactMap { Int($0) } } ?? searchEfs
    var line = "Ragtime 1 thread, shared graph:"
    for ef in efs {
        var best = Double.infinity
        var result: SearchResults?
        for _ in 0 ..< rounds {
            let t = cpuSeconds()
            result = try index.search(queries, k: k, efSearch: ef)
            best = min(best, cpuSeconds() - t)
        }
        var same = "?"
        if let ref = try? Data(contentsOf: searchDir.appendingPathComponent("faiss-search-ids-ef\(ef).i64")),
           ref.count == nq * k * 8 {
            let ids = ref.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
            let equal = zip(ids, result!.ids).filter { Int($0) == $1 }.count
            same = String(format: "%.4f", Double(equal) / Double(nq * k))
        }
        line += String(format: " ef %d: %.3f ms (ids = faiss: %@),", ef, 1000 * best / Double(nq), same)
    }
    print(line)
}
