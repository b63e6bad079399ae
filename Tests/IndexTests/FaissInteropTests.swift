import Foundation
import TestSupport
import XCTest
@testable import Index

/// Interop with Python faiss through committed fixtures (scripts/fixtures/faiss_interop.py documents the steps).
final class FaissInteropTests: XCTestCase {
    struct Results: Decodable { let ids: [Int]; let scores: [Float] }
    struct Case: Decodable {
        let kind: String
        let m: Int?
        let batches: [Int]?
        let metric: String?
        let assign_probas: [Double]?
        let ids: [Int]
        let scores: [Float]
        let ef64: Results?
    }
    struct Expected: Decodable {
        let n, d, nq, k: Int
        let queries: [Float]
        let indexes: [String: Case]
    }

    static let dir = RepoPaths.url("test_dir/fixtures/index")

    func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: Self.dir.appendingPathComponent("expected.json")))
    }

    func load(_ name: String) throws -> any VectorIndex {
        try FaissFile.read(from: Self.dir.appendingPathComponent("\(name).faiss"))
    }

    func assertSame(_ r: SearchResults, _ ids: [Int], _ scores: [Float], _ what: String,
                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.ids, ids, what, file: file, line: line)
        let diff = zip(r.scores, scores).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(diff, 1e-4, what, file: file, line: line)
    }

    func testFaissWrittenFilesLoadAndSearchIdentically() throws {
        let e = try expected()
        XCTAssertEqual(e.indexes.count, 4)
        for (name, c) in e.indexes {
            let index = try load(name)
            XCTAssertEqual(index.count, e.n)
            XCTAssertEqual(index.dimension, e.d)
            assertSame(try index.search(e.queries, k: e.k), c.ids, c.scores, name)
            if let hnsw = index as? HNSWIndex, let ef64 = c.ef64 {
                XCTAssertEqual(hnsw.m, c.m)
                XCTAssertEqual(hnsw.graph.assignProbas, c.assign_probas)
                XCTAssertEqual(hnsw.graph.assignProbas, HNSWGraph(m: hnsw.m).assignProbas)
                try hnsw.graph.checkInvariants()
                assertSame(try hnsw.search(e.queries, k: e.k, efSearch: 64), ef64.ids, ef64.scores, "\(name) ef64")
            }
        }
    }

    /// The RAG fixture's KB index (`test_dir/fixtures/rag/kb/`, written by faiss-cpu through `datasets` in
    /// scripts/fixtures/rag_common.py: `IndexHNSWFlat(32, 128, IP)` over the 6 dummy passages) loads as that index
    /// and writes back to the same 7,198 bytes.
    func testTheRagFixtureIndexWrittenByFaissLoadsAndRoundTrips() throws {
        let url = RepoPaths.url("test_dir/fixtures/rag/kb/my_knowledge_dataset_hnsw_index.faiss")
        let bytes = try Data(contentsOf: url)
        XCTAssertEqual(bytes.count, 7198)
        let index = try XCTUnwrap(try FaissFile.read(from: url) as? HNSWIndex)
        XCTAssertEqual(index.count, 6)
        XCTAssertEqual(index.dimension, 32)
        XCTAssertEqual(index.graph.m, 128)
        XCTAssertEqual(try FaissFile.encode(index), bytes)
    }

    func testReencodingAFaissFileReproducesItsBytes() throws {
        for name in ["faiss_flat_ip", "faiss_flat_l2", "faiss_hnsw_ip_m8", "faiss_hnsw_l2_m6"] {
            let original = try Data(contentsOf: Self.dir.appendingPathComponent("\(name).faiss"))
            XCTAssertEqual(try FaissFile.encode(FaissFile.decode(original)), original, name)
        }
    }

    /// The stored vectors of the fixtures (`[n * d]`), read from faiss's flat file.
    func baseVectors() throws -> [Float] {
        try XCTUnwrap(load("faiss_flat_ip") as? FlatIndex).vectors
    }

    /// Ragtime's build of a fixture case (same data, M, metric and add batches).
    func ragtimeBuild(_ c: Case, _ xb: [Float], d: Int, threads: Int = 2) throws -> HNSWIndex {
        let index = try HNSWIndex(dimension: d, m: try XCTUnwrap(c.m), metric: c.metric == "ip" ? .innerProduct : .l2)
        index.addThreads = threads
        var start = 0
        for size in try XCTUnwrap(c.batches) {
            try index.add(Array(xb[start * d ..< (start + size) * d]))
            start += size
        }
        return index
    }

    /// Same data, same parameters: the graph faiss-cpu 1.15 builds, slot for slot (levels from the same
    /// RNG draws, links from the same batched construction), for 1 and 2 build threads.
    func testRagtimeBuildsTheGraphFaissBuilds() throws {
        let e = try expected()
        let xb = try baseVectors()
        for name in ["faiss_hnsw_ip_m8", "faiss_hnsw_l2_m6"] {
            let c = try XCTUnwrap(e.indexes[name])
            let theirs = try XCTUnwrap(load(name) as? HNSWIndex)
            for threads in [1, 2] {
                let ours = try ragtimeBuild(c, xb, d: e.d, threads: threads)
                XCTAssertEqual(ours.graph, theirs.graph, "\(name), \(threads) threads")
                try ours.graph.checkInvariants()
                assertSame(try ours.search(e.queries, k: e.k), c.ids, c.scores, "\(name) built by Ragtime")
            }
        }
    }

    /// The faiss 1.7.4 rules (faiss `HNSW::add_with_locks`) build a different but valid graph from the same levels.
    func testFaiss174RulesBuildAValidGraphWithTheSameLevels() throws {
        let e = try expected()
        let xb = try baseVectors()
        let c = try XCTUnwrap(e.indexes["faiss_hnsw_ip_m8"])
        let old = try HNSWIndex(dimension: e.d, m: 8, metric: .innerProduct)
        old.buildRules = .faiss1_7_4
        old.addThreads = 1
        try old.add(xb)
        let current = try ragtimeBuild(c, xb, d: e.d, threads: 1)
        try old.graph.checkInvariants()
        XCTAssertEqual(old.graph.levels, current.graph.levels)
        XCTAssertEqual(old.graph.entryPoint, current.graph.entryPoint)
        XCTAssertNotEqual(old.graph.neighbors, current.graph.neighbors)
        let flat = try FlatIndex(dimension: e.d, metric: .innerProduct)
        try flat.add(xb)
        XCTAssertGreaterThan(recall(try old.search(e.queries, k: e.k, efSearch: 64), try flat.search(e.queries, k: e.k)), 0.9)
    }

    // MARK: files written by Ragtime, read by faiss

    /// The indexes Ragtime writes for the faiss check: deterministic builds over the fixture data.
    func ragtimeWritten() throws -> [(name: String, index: any VectorIndex, efSearch: Int?)] {
        let e = try expected()
        let xb = try baseVectors()
        let flat = try FlatIndex(dimension: e.d, metric: .innerProduct)
        try flat.add(xb)
        let flatL2 = try FlatIndex(dimension: e.d, metric: .l2)
        try flatL2.add(xb)
        let hnswIP = try ragtimeBuild(try XCTUnwrap(e.indexes["faiss_hnsw_ip_m8"]), xb, d: e.d)
        hnswIP.efSearch = 24
        let hnswL2 = try ragtimeBuild(try XCTUnwrap(e.indexes["faiss_hnsw_l2_m6"]), xb, d: e.d)
        return [("ragtime_written_flat_ip", flat, nil), ("ragtime_written_flat_l2", flatL2, nil),
                ("ragtime_written_hnsw_ip_m8", hnswIP, 24), ("ragtime_written_hnsw_l2_m6", hnswL2, 16)]
    }

    struct Check: Decodable {
        struct File: Decodable { let fnv1a64: String; let ids_equal: Bool; let max_score_diff: Double; let ok: Bool }
        let all_ok: Bool
        let files: [String: File]
    }

    /// FNV-1a 64 of a file's bytes, the fingerprint `faiss_interop.py verify` records (no CryptoKit on Linux).
    func fnv1a64(_ data: Data) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in data { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return String(format: "%016llx", h)
    }

    /// Ragtime-written files are read by faiss with identical search results: with
    /// RAGTIME_RECORD_INDEX_FIXTURES=1 this writes the files (step 2 in scripts/fixtures/faiss_interop.py);
    /// otherwise it checks that Ragtime still writes exactly the bytes faiss verified, and that the
    /// recorded faiss check passed for those bytes.
    func testFilesRagtimeWritesAreReadByFaissIdentically() throws {
        let e = try expected()
        let record = ProcessInfo.processInfo.environment["RAGTIME_RECORD_INDEX_FIXTURES"] == "1"
        var results: [String: Any] = [:]
        var check: Check?
        if !record {
            check = try JSONDecoder().decode(Check.self, from: Data(contentsOf: Self.dir.appendingPathComponent("ragtime_written_check.json")))
            XCTAssertEqual(check?.all_ok, true, "faiss's check of Ragtime-written files failed")
        }
        for (name, index, efSearch) in try ragtimeWritten() {
            let url = Self.dir.appendingPathComponent("\(name).faiss")
            let bytes = try FaissFile.encode(index)
            let r = try index.search(e.queries, k: e.k)
            if record {
                try FaissFile.write(index, to: url)
                var entry: [String: Any] = ["k": e.k, "ntotal": index.count, "ids": r.ids, "scores": r.scores.map(Double.init)]
                if let efSearch { entry["efSearch"] = efSearch }
                results[name] = entry
            } else {
                XCTAssertEqual(bytes, try Data(contentsOf: url), "\(name): Ragtime no longer writes the bytes faiss verified")
                let file = try XCTUnwrap(check?.files[name], name)
                XCTAssertEqual(file.fnv1a64, fnv1a64(bytes), "\(name): the faiss check is for other bytes; re-run step 3")
                XCTAssertTrue(file.ok && file.ids_equal && file.max_score_diff <= 1e-4, name)
                // And Ragtime reads its own file back to the same results.
                let back = try FaissFile.read(from: url)
                if let h = back as? HNSWIndex, let efSearch { h.efSearch = efSearch }
                XCTAssertEqual(try back.search(e.queries, k: e.k), r, name)
            }
        }
        if record {
            let json: [String: Any] = ["d": e.d, "nq": e.nq, "queries": e.queries.map(Double.init), "indexes": results]
            try JSONSerialization.data(withJSONObject: json).write(to: Self.dir.appendingPathComponent("ragtime_written_results.json"))
        }
    }

    // MARK: bad files

    func testTruncatedFilesAreTypedErrors() throws {
        for name in ["faiss_flat_l2", "faiss_hnsw_ip_m8"] {
            let bytes = try Data(contentsOf: Self.dir.appendingPathComponent("\(name).faiss"))
            var cuts = Array(0 ..< 64)
            cuts += stride(from: 64, to: bytes.count, by: max(1, bytes.count / 40)).map { $0 }
            cuts.append(bytes.count - 1)
            for cut in cuts {
                XCTAssertThrowsError(try FaissFile.decode(bytes.prefix(cut)), "\(name) cut at \(cut)") { error in
                    guard case .truncatedFile = error as? IndexError else { return XCTFail("\(name) cut at \(cut): \(error)") }
                }
            }
        }
        let hnsw = try Data(contentsOf: Self.dir.appendingPathComponent("faiss_hnsw_ip_m8.faiss"))
        XCTAssertThrowsError(try FaissFile.decode(hnsw.prefix(10))) { error in
            XCTAssertTrue("\(error)".hasPrefix("truncated index file: reading ntotal at byte 8"), "\(error)")
        }
    }

    func testForeignAndCorruptFilesAreTypedErrors() throws {
        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 0, count: 64))
        XCTAssertThrowsError(try FaissFile.decode(png)) {
            XCTAssertEqual($0 as? IndexError, .unsupportedFormat(fourcc: "?PNG"))
        }
        var ivf = try Data(contentsOf: Self.dir.appendingPathComponent("faiss_flat_ip.faiss"))
        ivf.replaceSubrange(0 ..< 4, with: Array("IwFl".utf8))
        XCTAssertThrowsError(try FaissFile.decode(ivf)) {
            XCTAssertTrue("\($0)".contains("\"IwFl\""), "\($0)")
        }
        var trailing = try Data(contentsOf: Self.dir.appendingPathComponent("faiss_flat_ip.faiss"))
        trailing.append(0)
        XCTAssertThrowsError(try FaissFile.decode(trailing)) {
            guard case .corruptFile = $0 as? IndexError else { return XCTFail("\($0)") }
        }
        // A neighbour id out of range, found by the invariant check on load.
        let original = try Data(contentsOf: Self.dir.appendingPathComponent("faiss_hnsw_l2_m6.faiss"))
        let index = try XCTUnwrap(FaissFile.decode(original) as? HNSWIndex)
        var bad = [UInt8](original)
        let n = index.count, probas = index.graph.assignProbas.count, cum = index.graph.cumNeighborsPerLevel.count
        let neighborsStart = 4 + 33 + 8 + 8 * probas + 8 + 4 * cum + 8 + 4 * n + 8 + 8 * (n + 1) + 8
        withUnsafeBytes(of: Int32(n + 7).littleEndian) { bad.replaceSubrange(neighborsStart ..< neighborsStart + 4, with: $0) }
        XCTAssertThrowsError(try FaissFile.decode(Data(bad))) { error in
            guard case .corruptFile(let message) = error as? IndexError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("neighbour \(n + 7) outside"), message)
        }
        // An unsupported metric (faiss METRIC_L1 = 2 carries a metric_arg).
        var l1 = [UInt8](try Data(contentsOf: Self.dir.appendingPathComponent("faiss_flat_l2.faiss")))
        l1[33] = 2
        l1.insert(contentsOf: [0, 0, 0, 0], at: 37)
        XCTAssertThrowsError(try FaissFile.decode(Data(l1))) {
            XCTAssertTrue("\($0)".contains("metric type 2 is not supported"), "\($0)")
        }
        XCTAssertThrowsError(try FaissFile.read(from: URL(fileURLWithPath: "/nonexistent/x.faiss"))) {
            guard case .io = $0 as? IndexError else { return XCTFail("\($0)") }
        }
    }
}
