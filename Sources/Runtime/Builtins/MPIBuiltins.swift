import Cluster
import Foundation
import Tensor

/// The `mpi` namespace: the ranks of a job launched with `mpirun -np N ragtime run SCRIPT`
/// (docs/distributed.md). Without `mpirun` the script is rank 0 of 1 and every call returns its input,
/// so one script runs either way. Collectives must be called in the same order on every rank.
///
///     total = mpi.allreduce(len(my_rows))          # Int/Float/Tensor, summed over ranks
///     seeds = mpi.broadcast(seeds, root: 0)         # rank 0's value everywhere
///     parts = mpi.gather(result)                    # [rank 0's, rank 1's, ...] on every rank
enum MPIBuiltins {
    static var table: BuiltinTable {
        BuiltinTable(namespaces: [NamespaceTable("mpi", doc: "ranks of an mpirun job (rank 0 of 1 without mpirun)", functions: [
            Builtin("barrier", [], "barrier(): wait until every rank reaches this call") { _ in
                Cluster.barrier()
                return .null
            },
            Builtin("allreduce", [Param("x"), Param("op", default: .string("sum"))],
                    "allreduce(x, op: \"sum\") -> x's type: Int, Float or Tensor combined over all ranks element-wise; op sum | mean | max | min (mean gives a Float or Tensor)") { args in
                try allreduce(args.value("x"), op: try args.string("op"), function: args.function)
            },
            Builtin("broadcast", [Param("x"), Param("root", default: .int(0))],
                    "broadcast(x, root: 0): root's x on every rank (a Tensor, or a value json.dump can write)") { args in
                let root = try args.int("root")
                guard root >= 0 && root < Cluster.size else {
                    throw RuntimeError("\(args.function): root must be a rank from 0 to \(Cluster.size - 1), got \(root)")
                }
                return try decode(Cluster.broadcast(try encode(args.value("x"), args.function), root: root), args.function)
            },
            Builtin("gather", [Param("value")],
                    "gather(value) -> List: every rank's value in rank order, on every rank (a Tensor, or a value json.dump can write)") { args in
                let parts = try gathered(try encode(args.value("value"), args.function), args.function)
                return .list(ListRef(try parts.map { try decode($0, args.function) }))
            },
        ], constants: [("rank", .int(Cluster.rank)), ("size", .int(Cluster.size))])])
    }

    static func allreduce(_ x: Value, op: String, function: String) throws -> Value {
        guard ["sum", "mean", "max", "min"].contains(op) else {
            throw RuntimeError("\(function): op must be sum, mean, max or min, got \(op.debugDescription)")
        }
        // A shape or kind that differs between ranks would pair mismatched buffers: compare first.
        let (kind, shape): (String, [Int])
        switch x {
        case .int: (kind, shape) = ("Int", [])
        case .float: (kind, shape) = ("Float", [])
        case .handle(let object) where object is Tensor: (kind, shape) = ("Tensor", (object as! Tensor).shape)
        default: throw RuntimeError("\(function): x must be an Int, a Float or a Tensor, got \(x.typeName)")
        }
        try agree("\(kind)\(shape)", function: function, what: "x (type and shape)")
        if case .int(let n) = x, op == "sum" || op == "max" || op == "min" {
            if op == "sum" {
                // Int64 sums wrap on overflow; a Double sum beside them shows whether they did.
                var exact = [n], approximate = [Double(n)]
                Cluster.sum(&exact)
                Cluster.sum(&approximate)
                guard abs(approximate[0] - Double(exact[0])) < 1e18 else {
                    throw RuntimeError("\(function): the sum \(approximate[0]) does not fit an Int")
                }
                return .int(exact[0])
            }
            var values = [op == "max" ? Double(n) : -Double(n)]
            Cluster.max(&values)
            return .int(Int(op == "max" ? values[0] : -values[0]))
        }
        if case .handle(let object) = x, let t = object as? Tensor, op == "sum" || op == "mean" {
            // float32 on the wire, as the training gradients travel
            var values = t.scalars
            Cluster.sum(&values)
            if op == "mean" { values = values.map { $0 / Float(Cluster.size) } }
            return .handle(try Tensor(shape: t.shape, scalars: values))
        }
        var values: [Double]
        switch x {
        case .int(let n): values = [Double(n)]
        case .float(let v): values = [v]
        case .handle(let object): values = (object as! Tensor).scalars.map(Double.init)
        default: values = []
        }
        switch op {
        case "max": Cluster.max(&values)
        case "min":
            values = values.map { -$0 }
            Cluster.max(&values)
            values = values.map { -$0 }
        default:
            Cluster.sum(&values)
            if op == "mean" { values = values.map { $0 / Double(Cluster.size) } }
        }
        if case .handle(let object) = x, let t = object as? Tensor {
            return .handle(try Tensor(shape: t.shape, scalars: values.map { Float($0) }))
        }
        return .float(values[0])
    }

    static func gathered(_ bytes: [UInt8], _ function: String) throws -> [[UInt8]] {
        do { return try Cluster.allGather(bytes) } catch { throw RuntimeError("\(function): \(error)") }
    }

    /// Stops with an error on every rank when `description` differs between ranks.
    static func agree(_ description: String, function: String, what: String) throws {
        let all = try gathered(Array(description.utf8), function).map { String(decoding: $0, as: UTF8.self) }
        if Set(all).count > 1 {
            throw RuntimeError("\(function): \(what) differs between ranks: \(all.enumerated().map { "rank \($0.offset) \($0.element)" }.joined(separator: ", "))")
        }
    }

    /// A value as bytes: `T` + rank + dims (Int64) + Float32 scalars for a Tensor, `J` + JSON text otherwise.
    static func encode(_ value: Value, _ function: String) throws -> [UInt8] {
        if case .handle(let object) = value, let t = object as? Tensor {
            var bytes: [UInt8] = [UInt8(ascii: "T")]
            for n in [t.shape.count] + t.shape { withUnsafeBytes(of: Int64(n).littleEndian) { bytes += $0 } }
            t.scalars.withUnsafeBytes { bytes += $0 }
            return bytes
        }
        let text: String
        do { text = try JSONWriter(indent: nil).text(value) } catch let error as RuntimeError {
            throw RuntimeError("\(function): \(error.message.replacingOccurrences(of: "json.dump: ", with: ""))")
        }
        return [UInt8(ascii: "J")] + Array(text.utf8)
    }

    static func decode(_ bytes: [UInt8], _ function: String) throws -> Value {
        guard let tag = bytes.first else { throw RuntimeError("\(function): received an empty message") }
        if tag == UInt8(ascii: "J") { return try JSONReader.parse(String(decoding: bytes[1...], as: UTF8.self)) }
        func int64(at offset: Int) -> Int {
            var v: Int64 = 0
            withUnsafeMutableBytes(of: &v) { $0.copyBytes(from: bytes[offset ..< offset + 8]) }
            return Int(Int64(littleEndian: v))
        }
        let rank = int64(at: 1)
        let shape = (0 ..< rank).map { int64(at: 9 + 8 * $0) }
        let start = 9 + 8 * rank
        let scalars: [Float] = bytes[start...].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        return .handle(try Tensor(shape: shape, scalars: scalars))
    }
}
