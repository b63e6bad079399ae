import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// How many threads the process's parallel work uses: one setting read by the tensor kernels (and,
/// through them, OpenBLAS and oneDNN) and by the vector indexes. Default: the online cores; under
/// `mpirun` the process set-up gives each rank its share (docs/distributed.md).
public enum WorkerThreads {
    private static let configured = Atomic<Int>(0)

    /// Cores online on this machine.
    public static var online: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// The setting (at least 1); `online` until something sets it.
    public static var count: Int {
        get {
            let n = configured.load(ordering: .relaxed)
            return n > 0 ? n : online
        }
        set { configured.store(max(1, newValue), ordering: .relaxed) }
    }
}
