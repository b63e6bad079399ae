import CBLAS

#if canImport(Glibc)
import Glibc
#endif

/// Choosing OpenBLAS's compute kernel (docs/tensor.md).
///
/// Debian's OpenBLAS 0.3.21 does not recognise recent AVX-512 CPUs and falls back to the generic
/// `Prescott` kernel (recent Intel: ~30 GFLOPS instead of ~150 per thread) or to the AVX2 `Haswell` /
/// `Zen` kernels (AMD Zen 4/5: half the SkylakeX speed). The library reads `OPENBLAS_CORETYPE`
/// only when it loads, so executables call `selectFastKernelIfNeeded()` first thing in `main`: when
/// the user has not set the variable, the library reports one of those and /proc/cpuinfo shows AVX-512,
/// the process re-executes itself (`/proc/self/exe`) once with `OPENBLAS_CORETYPE=SkylakeX` and the
/// marker `RAGTIME_BLAS_REEXEC=1`; the new process checks an sgemm against a naive product and, if
/// that ever failed, re-executes once more without the variable (marker `failed`, no further loops).
/// The same re-execution sets `OPENBLAS_THREAD_TIMEOUT=4` when the user has not set it (see below).
/// `RAGTIME_BLAS_AUTOSELECT=0` turns all of this off; a user's own `OPENBLAS_CORETYPE` is kept.
public enum BLASKernel {
    public static let coreTypeVariable = "OPENBLAS_CORETYPE"
    public static let markerVariable = "RAGTIME_BLAS_REEXEC"
    public static let optOutVariable = "RAGTIME_BLAS_AUTOSELECT"
    /// How long OpenBLAS's idle threads spin (2^n yield loops) before sleeping; read when the library
    /// loads. The re-executed process gets `quickThreadTimeout` unless the user set it: large GEMMs use
    /// OpenBLAS threads (Ops/MatMul.swift), and spinning threads would take cores from the Swift kernels.
    public static let threadTimeoutVariable = "OPENBLAS_THREAD_TIMEOUT"
    public static let quickThreadTimeout = "4"
    /// The kernel selected on capable CPUs (Cooperlake behaves the same on this machine).
    public static let fastKernel = "SkylakeX"

    /// What `plan` decided for this process.
    public enum Decision: Equatable, Sendable {
        case optedOut                      // RAGTIME_BLAS_AUTOSELECT=0
        case keepUserSetting(String)       // OPENBLAS_CORETYPE set by the user
        case alreadyFast(String)           // library picked a specific kernel itself
        case unsupportedCPU                // generic kernel, but no AVX-512 here
        case reexecWithFastKernel          // set the variable and re-execute
        case verifyAfterReexec             // we are the re-executed process
        case fallbackAfterFailedCheck      // the fast kernel failed its self-check earlier
    }

    /// Kernels without AVX-512 that Debian's 0.3.21 picks on CPUs it does not know: the generic `Prescott`
    /// (recent Intel), `Haswell` / `Zen` (AMD Zen 4 and 5). On AVX-512 CPUs SkylakeX is faster (measured
    /// 2026-12-02 on an AMD EPYC with AVX-512: sgemm 2048x768x3072 on 2 threads 239 GFLOPS with Haswell,
    /// 449 with SkylakeX).
    static let avx2OrOlderKernels: Set<String> = ["prescott", "haswell", "zen"]

    /// The pure decision from the environment, the library's kernel name and the CPU flags.
    public static func plan(environment: [String: String], coreName: String, cpuFlags: Set<String>) -> Decision {
        if environment[optOutVariable] == "0" { return .optedOut }
        switch environment[markerVariable] {
        case "1": return .verifyAfterReexec
        case "failed": return .fallbackAfterFailedCheck
        default: break
        }
        if let user = environment[coreTypeVariable], !user.isEmpty { return .keepUserSetting(user) }
        guard avx2OrOlderKernels.contains(coreName.lowercased()) else { return .alreadyFast(coreName) }
        let needed: Set<String> = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
        return needed.isSubset(of: cpuFlags) ? .reexecWithFastKernel : .unsupportedCPU
    }

    /// Outcome reported to the caller (the process may have been replaced before this returns).
    public enum Outcome: Equatable, Sendable {
        case unchanged(Decision)
        case selected(String)              // verified fast kernel active
        case reexecFailed(errno: Int32)    // could not re-execute: still on the generic kernel
        case checkFailed                   // fast kernel gave wrong results: generic kernel active
    }

    /// Call first thing in `main` of an executable (never from a library or tests).
    @discardableResult
    public static func selectFastKernelIfNeeded() -> Outcome {
        let decision = plan(environment: currentEnvironment(), coreName: BLAS.coreName, cpuFlags: cpuFlags())
        switch decision {
        case .reexecWithFastKernel:
            setenv(coreTypeVariable, fastKernel, 1)
            setenv(markerVariable, "1", 1)
            let ownTimeout = getenv(threadTimeoutVariable) == nil
            if ownTimeout { setenv(threadTimeoutVariable, quickThreadTimeout, 1) }
            let err = reexec()
            unsetenv(coreTypeVariable)
            unsetenv(markerVariable)
            if ownTimeout { unsetenv(threadTimeoutVariable) }
            return .reexecFailed(errno: err)
        case .verifyAfterReexec:
            if selfCheck() { return .selected(BLAS.coreName) }
            unsetenv(coreTypeVariable)
            setenv(markerVariable, "failed", 1)
            _ = reexec()
            return .checkFailed
        case .fallbackAfterFailedCheck:
            return .checkFailed
        default:
            return .unchanged(decision)
        }
    }

    /// sgemm (all transpose cases) against a naive Double product on fixed pseudo-random data.
    public static func selfCheck() -> Bool {
        let (m, n, k) = (67, 45, 129)
        let rng = RNG(seed: 2024)
        let a = (0..<(m * k)).map { _ in rng.uniform() - 0.5 }, b = (0..<(k * n)).map { _ in rng.uniform() - 0.5 }
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            var c = [Float](repeating: .nan, count: m * n)
            a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                GEMM.sgemm(pa.baseAddress!, ta, pb.baseAddress!, tb, pc.baseAddress!, m: m, n: n, k: k, precision: .float32)
            } } }
            for i in 0..<m {
                for j in 0..<n {
                    var s = 0.0
                    for q in 0..<k {
                        // Read the same buffers as the BLAS call, honouring the transpose flags.
                        s += Double(a[ta ? q * m + i : i * k + q]) * Double(b[tb ? j * k + q : q * n + j])
                    }
                    if !(abs(Double(c[i * n + j]) - s) <= 1e-4 + 1e-4 * abs(s)) { return false }
                }
            }
        }
        return true
    }

    /// Feature flags of the first CPU in /proc/cpuinfo (empty when unreadable).
    public static func cpuFlags() -> Set<String> {
        guard let file = fopen("/proc/cpuinfo", "r") else { return [] }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0 {
            guard let line else { break }
            let text = String(cString: line)
            if text.hasPrefix("flags") {
                let value = text.split(separator: ":", maxSplits: 1).last ?? ""
                return Set(value.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init))
            }
        }
        return []
    }

    private static func currentEnvironment() -> [String: String] {
        var env: [String: String] = [:]
        for name in [coreTypeVariable, markerVariable, optOutVariable] {
            if let v = getenv(name) { env[name] = String(cString: v) }
        }
        return env
    }

    /// Replaces the process image with itself (same argv); returns errno only on failure.
    private static func reexec() -> Int32 {
        fflush(nil)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        return errno
    }
}
