#if canImport(Glibc)
import Glibc
#endif

/// glibc malloc settings for tensor workloads, applied by executables at start-up (never by tests or
/// library code).
///
/// By default glibc returns freed heap tops to the kernel and serves large blocks with fresh `mmap`s,
/// so every training step re-faults and re-zeroes the pages of its activations (measured: a tiny RAG
/// forward+backward run took 116k page faults; ~7% of the MiniLM-size step's CPU samples were page
/// faults and page clearing). With blocks up to 32 MB (glibc's maximum) served from the heap and the
/// heap never trimmed below 2 GB of free top, the same run takes ~40k. Blocks above 32 MB (a BART-512
/// feed-forward activation over 20 × 300 tokens is 49 MB) would still be fresh `mmap`s, so `mmap` is
/// switched off altogether (`M_MMAP_MAX` 0): every block comes from the heap and is reused. Measured on
/// the MiniLM-size training step: page faults per run 1.1-1.3M -> 0.71-0.73M (the rest is the first
/// step), step 5.1 -> 4.6-4.8 s, peak RSS unchanged (2.6-2.8 GB). Memory freed by one step is reused by
/// the next; the peak is unchanged, but the process keeps it after a peak.
///
/// Skipped when the user already tunes malloc (`GLIBC_TUNABLES`, `MALLOC_TRIM_THRESHOLD_`,
/// `MALLOC_MMAP_THRESHOLD_`, `MALLOC_MMAP_MAX_`) or sets `RAGTIME_MALLOC_TUNING=0`.
public enum MemoryTuning {
    public static let optOutVariable = "RAGTIME_MALLOC_TUNING"
    public static let mmapThreshold: Int32 = 32 << 20
    public static let trimThreshold: Int32 = Int32.max
    /// Most blocks served by `mmap` at once: none, so blocks above `mmapThreshold` are reused as well.
    public static let mmapMax: Int32 = 0

    /// True when the settings were applied.
    @discardableResult
    public static func apply() -> Bool {
        #if canImport(Glibc)
        let userVariables: [String] = ["GLIBC_TUNABLES", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_MMAP_MAX_"]
        let userOwned = userVariables.contains { getenv($0) != nil }
        if userOwned || getenv(optOutVariable).map({ String(cString: $0) }) == "0" { return false }
        return glibcMallopt(mmapThresholdParam, mmapThreshold) == 1 && glibcMallopt(trimThresholdParam, trimThreshold) == 1
            && glibcMallopt(mmapMaxParam, mmapMax) == 1
        #else
        return false
        #endif
    }

    /// `M_MMAP_THRESHOLD` and `M_TRIM_THRESHOLD` of <malloc.h> (not exported by the Glibc module).
    static let mmapThresholdParam: Int32 = -3
    static let trimThresholdParam: Int32 = -1
    /// `M_MMAP_MAX` of <malloc.h>.
    static let mmapMaxParam: Int32 = -4
}

/// glibc's `int mallopt(int param, int value)` (<malloc.h>, not exported by the Glibc module).
@_silgen_name("mallopt")
private func glibcMallopt(_ param: Int32, _ value: Int32) -> Int32
