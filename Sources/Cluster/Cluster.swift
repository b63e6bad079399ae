import CMPI
import Foundation

/// The ranks of a job launched with Open MPI's `mpirun`, or the one process of a plain run.
///
/// `Cluster.start()` runs once at process start: when Open MPI's launcher set `OMPI_COMM_WORLD_SIZE`
/// it loads the library (`dlopen`, nothing of MPI is linked) and initialises MPI; otherwise the process
/// is rank 0 of 1 and every collective below returns its input. A launch under `mpirun` whose library
/// cannot be loaded is an error, never a silent single-rank run. Collectives are called in the same
/// order on every rank (SPMD); a failed one aborts the job (Open MPI's default error handler).
public enum Cluster {
    /// A failure to start MPI, or a collective asked to move more than MPI can in one call.
    public struct ClusterError: Error, CustomStringConvertible {
        public let description: String
    }

    nonisolated(unsafe) private static var state: (rank: Int, size: Int, mpi: Bool) = (0, 1, false)

    /// This process's rank, 0 ..< size.
    public static var rank: Int { state.rank }
    /// Ranks in the job (1 without `mpirun`).
    public static var size: Int { state.size }
    /// True when MPI is initialised (launched by `mpirun`, even with one rank).
    public static var isDistributed: Bool { state.mpi }
    /// Ranks of this job on this machine (Open MPI's `OMPI_COMM_WORLD_LOCAL_SIZE`), 1 without MPI.
    public static var localSize: Int {
        guard state.mpi, let text = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"],
              let n = Int(text), n >= 1 else { return 1 }
        return n
    }

    /// True when the environment says Open MPI launched this process.
    public static var launchedByMPI: Bool {
        ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] != nil
    }

    /// Initialises MPI when launched by `mpirun`; idempotent. Throws when the library cannot be loaded.
    public static func start() throws {
        if state.mpi || !launchedByMPI { return }
        var error = [CChar](repeating: 0, count: 512)
        if rt_mpi_open(&error, error.count) != 0 {
            let message = error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw ClusterError(description: "launched by mpirun, but \(message); install Open MPI (apt-get install openmpi-bin)")
        }
        var provided: Int32 = 0
        try check(rt_mpi_init(&provided), "MPI_Init_thread")
        var rank: Int32 = 0, size: Int32 = 0
        try check(rt_mpi_rank(&rank), "MPI_Comm_rank")
        try check(rt_mpi_size(&size), "MPI_Comm_size")
        state = (Int(rank), Int(size), true)
        atexit { if Cluster.state.mpi { _ = rt_mpi_finalize() } }
    }

    /// Ends every rank of the job with `code` (MPI_Abort); a plain process just exits.
    public static func abort(code: Int32) -> Never {
        if state.mpi { rt_mpi_abort(code) }
        exit(code)
    }

    public static func barrier() {
        guard state.mpi else { return }
        mustSucceed(rt_mpi_barrier(), "MPI_Barrier")
    }

    /// Element-wise sum over all ranks, in place.
    public static func sum(_ values: inout [Float]) {
        guard state.mpi, !values.isEmpty else { return }
        let count = values.count
        values.withUnsafeMutableBufferPointer { mustSucceed(rt_mpi_allreduce_sum_f32($0.baseAddress, count), "MPI_Allreduce") }
    }

    public static func sum(_ values: inout [Double]) {
        guard state.mpi, !values.isEmpty else { return }
        let count = values.count
        values.withUnsafeMutableBufferPointer { mustSucceed(rt_mpi_allreduce_sum_f64($0.baseAddress, count), "MPI_Allreduce") }
    }

    public static func sum(_ values: inout [Int]) {
        guard state.mpi, !values.isEmpty else { return }
        let count = values.count
        values.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: Int64.self) {
                mustSucceed(rt_mpi_allreduce_sum_i64(UnsafeMutableRawPointer($0.baseAddress!).assumingMemoryBound(to: CLongLong.self), count), "MPI_Allreduce")
            }
        }
    }

    public static func max(_ values: inout [Double]) {
        guard state.mpi, !values.isEmpty else { return }
        let count = values.count
        values.withUnsafeMutableBufferPointer { mustSucceed(rt_mpi_allreduce_max_f64($0.baseAddress, count), "MPI_Allreduce") }
    }

    /// `root`'s bytes on every rank (the others' `bytes` are ignored).
    public static func broadcast(_ bytes: [UInt8], root: Int) -> [UInt8] {
        guard state.mpi else { return bytes }
        precondition(root >= 0 && root < size, "broadcast root \(root) outside 0..<\(size)")
        var count = [Int](repeating: 0, count: 1)
        if rank == root { count[0] = bytes.count }
        count.withUnsafeMutableBytes { mustSucceed(rt_mpi_bcast_bytes($0.baseAddress, $0.count, Int32(root)), "MPI_Bcast") }
        var out = rank == root ? bytes : [UInt8](repeating: 0, count: count[0])
        let n = out.count
        out.withUnsafeMutableBytes { mustSucceed(rt_mpi_bcast_bytes($0.baseAddress, n, Int32(root)), "MPI_Bcast") }
        return out
    }

    /// Every rank's bytes, in rank order, on every rank.
    public static func allGather(_ bytes: [UInt8]) throws -> [[UInt8]] {
        guard state.mpi else { return [bytes] }
        var counts = [Int](repeating: 0, count: size)
        counts[rank] = bytes.count
        sum(&counts)
        let total = counts.reduce(0, +)
        guard total < Int(Int32.max) else {
            throw ClusterError(description: "gathering \(total) bytes from \(size) ranks: above MPI's limit of 2 GiB per collective")
        }
        var out = [UInt8](repeating: 0, count: total)
        let longCounts = counts.map { CLong($0) }
        out.withUnsafeMutableBytes { o in
            bytes.withUnsafeBytes { b in
                mustSucceed(rt_mpi_allgatherv_bytes(b.baseAddress, bytes.count, o.baseAddress, longCounts, Int32(size)), "MPI_Allgatherv")
            }
        }
        var parts: [[UInt8]] = []
        var offset = 0
        for c in counts { parts.append(Array(out[offset ..< offset + c])); offset += c }
        return parts
    }

    private static func check(_ code: Int32, _ call: String) throws {
        if code != 0 { throw ClusterError(description: "\(call) failed with MPI error \(code)") }
    }

    /// A failing collective means the job is broken: end every rank rather than let one wait forever.
    private static func mustSucceed(_ code: Int32, _ call: String) {
        if code == 0 { return }
        FileHandle.standardError.write(Data("ragtime: rank \(rank): \(call) failed with MPI error \(code)\n".utf8))
        abort(code: 70)
    }
}
