import Foundation
import Index
import KB
import Tensor

/// A vector index as a script value (`FlatIndex` or `HNSWIndex`).
final class IndexHandle {
    let index: any VectorIndex
    init(_ index: any VectorIndex) { self.index = index }
}

/// The `index` namespace and the Index handle. Vectors and queries are
/// Lists of Lists of numbers (one row per vector) or an encoded KB.
enum IndexBuiltins {
    static var table: BuiltinTable {
        var type = HandleType(IndexHandle.self, name: "Index", doc: "a flat or HNSW vector index (faiss-compatible)",
                              describe: { describe(($0 as! IndexHandle).index) })  // swiftlint:disable:this force_cast
        type.methods = [
            Builtin("search", [Param("queries"), Param("k", default: .int(5)), Param("ef", default: .null)],
                    "search(queries, k: 5, ef: nil) -> Dict {ids, scores}: top-k rows per query (Lists of Lists), best first; queries are Lists of numbers or a Tensor [N, d] (e.g. q.encode(texts))") { args in
                let index = try args.receiver(as: IndexHandle.self).index
                let (queries, _) = try rows(args, "queries", dimension: index.dimension)
                let k = try args.int("k")
                let r = try KBBuiltins.wrap(args.function) { () throws -> SearchResults in
                    if let ef = try args.optionalInt("ef") {
                        guard let hnsw = index as? HNSWIndex else { throw RuntimeError("\(args.function): ef applies to HNSW indexes only") }
                        return try hnsw.search(queries, k: k, efSearch: ef)
                    }
                    return try index.search(queries, k: k)
                }
                let ids: [Value] = (0 ..< r.queryCount).map { q in .list(r.ids(ofQuery: q).map { .int($0) }) }
                let scores: [Value] = (0 ..< r.queryCount).map { q in .list(r.scores(ofQuery: q).map { .float(Double($0)) }) }
                return .dict(DictRef([("ids", .list(ids)), ("scores", .list(scores))]))
            },
            Builtin("save", [Param("path")], "save(path): write a faiss index file (IndexFlatIP/L2 or IndexHNSWFlat)") { args in
                let index = try args.receiver(as: IndexHandle.self).index
                try KBBuiltins.wrap(args.function) { try FaissFile.write(index, to: URL(fileURLWithPath: try args.string("path"))) }
                return .null
            }.writingOnRankZero(),
        ]
        type.properties = [
            Property("count", "number of vectors") { .int(try handle($0).count) },
            Property("dimension", "vector dimension") { .int(try handle($0).dimension) },
        ]
        let source = "an encoded KB or a List of vectors (Lists of numbers)"
        return BuiltinTable(namespaces: [NamespaceTable("index", doc: "flat and HNSW vector indexes, faiss files", functions: [
            Builtin("flat", [Param("data"), Param("metric", default: .string("ip"))],
                    "flat(data, metric: \"ip\") -> Index: exact search over \(source); metric \"ip\" or \"l2\"") { args in
                try build(args) { d, metric in try FlatIndex(dimension: d, metric: metric) } kb: { kb in try kb.buildIndexOnRanks(.flat) }
            },
            Builtin("hnsw", [Param("data"), Param("m", default: .int(32)), Param("ef_construction", default: .int(40)),
                             Param("ef_search", default: .int(16)), Param("metric", default: .string("ip"))],
                    "hnsw(data, m: 32, ef_construction: 40, ef_search: 16, metric: \"ip\") -> Index: faiss IndexHNSWFlat over \(source)") { args in
                let m = try args.int("m"), efC = try args.int("ef_construction"), efS = try args.int("ef_search")
                return try build(args) { d, metric in
                    try HNSWIndex(dimension: d, m: m, metric: metric, efConstruction: efC, efSearch: efS)
                } kb: { kb in try kb.buildIndexOnRanks(.hnsw(m: m, efConstruction: efC, efSearch: efS)) }
            },
            Builtin("load", [Param("path")], "load(path) -> Index: read a faiss index file") { args in
                .handle(IndexHandle(try KBBuiltins.wrap(args.function) { try FaissFile.read(from: URL(fileURLWithPath: try args.string("path"))) }))
            },
        ])], handleTypes: [type])
    }

    static func handle(_ value: Value) throws -> any VectorIndex {
        guard case .handle(let object) = value, let h = object as? IndexHandle else { throw RuntimeError("not an Index") }
        return h.index
    }

    static func describe(_ index: any VectorIndex) -> String {
        let metric = index.metric == .innerProduct ? "inner product" : "L2"
        if let h = index as? HNSWIndex {
            return "Index(hnsw M \(h.m), \(metric), \(index.count) x \(index.dimension))"
        }
        return "Index(flat, \(metric), \(index.count) x \(index.dimension))"
    }

    /// A List of equal-length Lists of numbers, or a Tensor `[N, d]` (one row per vector; `[d]` = one
    /// vector), as a flat matrix; `dimension` nil = take the first row's.
    static func rows(_ args: CallArgs, _ name: String, dimension: Int?) throws -> ([Float], Int) {
        if case .handle(let object) = args.value(name), let t = object as? Tensor {
            guard (1...2).contains(t.shape.count), let width = t.shape.last, width > 0, t.count > 0 else {
                throw RuntimeError("\(args.function): \(name) must be a [N, d] or [d] tensor with N, d > 0, got shape \(t.shape)")
            }
            if let dimension, width != dimension {
                throw RuntimeError("\(args.function): \(name) has \(width) values per row, expected \(dimension)")
            }
            return (t.scalars, width)
        }
        let list = try args.list(name)
        var out: [Float] = []
        var d = dimension
        for (i, row) in list.enumerated() {
            guard case .list(let items) = row else { throw RuntimeError("\(args.function): \(name)[\(i)] must be a List of numbers") }
            let width = items.items.count
            if d == nil { d = width }
            guard width == d else {
                throw RuntimeError("\(args.function): \(name)[\(i)] has \(width) values, expected \(d ?? 0)")
            }
            for v in items.items {
                switch v {
                case .int(let n): out.append(Float(n))
                case .float(let x): out.append(Float(x))
                default: throw RuntimeError("\(args.function): \(name)[\(i)] must hold numbers only")
                }
            }
        }
        guard let width = d, width > 0, !list.isEmpty else { throw RuntimeError("\(args.function): \(name) must be a non-empty List of vectors") }
        return (out, width)
    }

    private static func build(_ args: CallArgs, make: (Int, Metric) throws -> any VectorIndex,
                              kb: (KnowledgeBase) throws -> Void) throws -> Value {
        let metricName = try args.string("metric")
        guard let metric: Metric = metricName == "ip" ? .innerProduct : metricName == "l2" ? .l2 : nil else {
            throw RuntimeError("\(args.function): metric must be \"ip\" or \"l2\", got \"\(metricName)\"")
        }
        if case .handle(let object) = args.value("data"), let base = object as? KnowledgeBase {
            guard metric == .innerProduct else { throw RuntimeError("\(args.function): a KB index uses inner product") }
            try KBBuiltins.wrap(args.function) { try kb(base) }
            guard let built = base.index else { throw RuntimeError("\(args.function): the KB has no index after building") }
            return .handle(IndexHandle(built))
        }
        let (vectors, d) = try rows(args, "data", dimension: nil)
        return .handle(IndexHandle(try KBBuiltins.wrap(args.function) { () throws -> any VectorIndex in
            let index = try make(d, metric)
            try index.add(vectors)
            return index
        }))
    }
}
