import CBF16GEMM
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The precision of matrix products (docs/tensor.md, "Mixed precision").
///
/// `float32` is the default and the parity-tested path. `bfloat16` is autocast-style mixed precision: the
/// operands of every matrix product (linear layers, `matmul`, the attention products, forward and
/// backward) are rounded to bfloat16 and multiplied with float32 accumulation by oneDNN's AVX512-BF16 / AMX
/// kernels; everything else (weights, gradients, optimizer state, LayerNorm, softmax, losses) stays float32.
///
/// The setting is per thread (`with(_:_:)`) over a process-wide default (`sessionDefault`), so a
/// background KB refresh can encode in one precision while training runs in another. Asking for
/// `bfloat16` on a CPU without those instructions computes in float32 and says so once on standard error.
public enum Precision: String, Sendable, CaseIterable, Codable {
    case float32
    case bfloat16

    /// Accepts "float32"/"fp32"/"f32" and "bfloat16"/"bf16"; nil for anything else.
    public init?(name: String) {
        switch name.lowercased() {
        case "float32", "fp32", "f32": self = .float32
        case "bfloat16", "bf16": self = .bfloat16
        default: return nil
        }
    }

    /// The spellings `init(name:)` accepts, for error messages.
    public static let names = "\"float32\" (or \"fp32\") and \"bf16\" (or \"bfloat16\")"

    private static let defaultCode = Atomic<Int>(0)

    /// The precision of threads that have not set their own (the language's session default).
    public static var sessionDefault: Precision {
        get { defaultCode.load(ordering: .relaxed) == 1 ? .bfloat16 : .float32 }
        set {
            if newValue == .bfloat16 { noteIfUnavailable() }
            defaultCode.store(newValue == .bfloat16 ? 1 : 0, ordering: .relaxed)
        }
    }

    /// What the calling thread asked for.
    public static var requested: Precision {
        let t = rt_precision_thread()
        return t < 0 ? sessionDefault : (t == 1 ? .bfloat16 : .float32)
    }

    /// What the calling thread's products run in: `requested`, unless bfloat16 kernels are unavailable.
    public static var active: Precision {
        requested == .bfloat16 && bfloat16Available ? .bfloat16 : .float32
    }

    /// Runs `body` with this thread's products in `precision`, restoring the previous setting afterwards.
    public static func with<R>(_ precision: Precision, _ body: () throws -> R) rethrows -> R {
        if precision == .bfloat16 { noteIfUnavailable() }
        let before = rt_precision_thread()
        rt_precision_set_thread(precision == .bfloat16 ? 1 : 0)
        defer { rt_precision_set_thread(before) }
        return try body()
    }

    /// True when oneDNN dispatches bfloat16 kernels here (AVX512-BF16 or AMX); `RAGTIME_BF16=0` turns them
    /// off (bfloat16 requests then compute in float32 with the notice), for testing the fallback.
    public static let bfloat16Available: Bool = {
        if let v = getenv("RAGTIME_BF16"), String(cString: v) == "0" { return false }
        return rt_bf16_available() == 1
    }()

    /// One line for `ragtime --version`: which kernels each precision uses here.
    public static var kernelDescription: String {
        var (major, minor, patch): (Int32, Int32, Int32) = (0, 0, 0)
        rt_bf16_library_version(&major, &minor, &patch)
        let isa = String(cString: rt_bf16_isa_name()), version = "\(major).\(minor).\(patch)"
        let bf16 = bfloat16Available ? "bf16 matmul: oneDNN \(version) \(isa)"
                                     : "bf16 matmul: unavailable (oneDNN \(version) \(isa)), bf16 requests compute in float32"
        return "float32 matmul: OpenBLAS \(BLAS.coreName); \(bf16)"
    }

    private static let noted = Atomic<Bool>(false)

    /// The one-line notice, printed once per process, when bfloat16 is asked for but unavailable.
    static func noteIfUnavailable() {
        guard !bfloat16Available, !noted.exchange(true, ordering: .relaxed) else { return }
        let isa = String(cString: rt_bf16_isa_name())
        writeNotice("ragtime: bf16 asked for, but this CPU has no AVX512-BF16 or AMX (oneDNN: \(isa)); computing in float32")
    }
}

/// Writes one line to standard error (file descriptor 2) in a single write.
func writeNotice(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    bytes.withUnsafeBufferPointer { _ = write(2, $0.baseAddress, $0.count) }
}
