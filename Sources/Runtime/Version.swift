import Cluster
import Tensor

/// The Ragtime release this build reports.
public enum RagtimeVersion {
    public static let string = "0.1.0"

    /// `ragtime --version`: the release, the kernels and threads in use, and the MPI rank when launched
    /// by `mpirun`.
    public static var report: String {
        var text = "ragtime \(string) (BLAS kernel: \(BLAS.coreName), threads: \(Parallel.threadCount))\n\(Precision.kernelDescription)"
        if Cluster.isDistributed { text += "\nOpen MPI: rank \(Cluster.rank) of \(Cluster.size)" }
        return text
    }
}
