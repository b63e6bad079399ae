import CBLAS

/// Thin Swift face of the OpenBLAS boundary: kernel name and thread count.
public enum BLAS {
    /// The kernel OpenBLAS selected at load time (e.g. "Prescott", "SkylakeX").
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Number of threads OpenBLAS uses for one call.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }
}
