import Cluster
import Foundation
import Support
import Tensor

/// What the `ragtime` executable does once, before it reads a script: the process-level settings that
/// belong to no script.
///
/// 1. OpenBLAS's kernel for this CPU (may re-execute the process once: `BLASKernel`) and the heap
///    tuning (`MemoryTuning`).
/// 2. Under Open MPI's `mpirun`: MPI is initialised (`Cluster.start`), and ranks other than 0 keep
///    quiet (`Cluster.routeOutput`).
/// 3. Worker threads: `RAGTIME_THREADS` when set; otherwise all cores, or under `mpirun` the cores
///    divided among the ranks on this machine (at least 1 each).
public enum ProcessSetup {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func start() throws {
        _ = BLASKernel.selectFastKernelIfNeeded()
        MemoryTuning.apply()
        do { try Cluster.start() } catch { throw Failure(description: "\(error)") }
        Cluster.routeOutput()
        if let text = ProcessInfo.processInfo.environment["RAGTIME_THREADS"] {
            guard let n = Int(text), n >= 1, n <= 4096 else {
                throw Failure(description: "RAGTIME_THREADS must be a whole number from 1 to 4096, got \(text.debugDescription)")
            }
            Parallel.threadCount = n
        } else if Cluster.isDistributed {
            Parallel.threadCount = max(1, WorkerThreads.online / Cluster.localSize)
        }
    }
}

extension ProcessSetup {
    /// Ends the process after an error: the message reaches the terminal (named by rank under `mpirun`)
    /// and, under `mpirun`, every rank of the job ends with `code` (MPI_Abort), so none waits forever.
    public static func end(message: String, code: Int32) -> Never {
        Cluster.reportError(message)
        Cluster.abort(code: code)
    }
}
