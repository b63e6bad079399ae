import CTensorKernels

/// The instruction set of the C row kernels (CTensorKernels: exp, GELU, softmax, attention rows), picked
/// once at load time as the widest the CPU supports: 2 = AVX-512, 1 = AVX2 + FMA, 0 = baseline.
public enum KernelISA {
    public static var level: Int { Int(rt_isa()) }

    public static var name: String { ["baseline", "AVX2+FMA", "AVX-512"][level] }

    /// Forces a level (capped at what the CPU supports) and returns the level set; for tests and
    /// comparisons. Not thread-safe against kernels running concurrently.
    @discardableResult
    public static func set(_ level: Int) -> Int { Int(rt_set_isa(Int32(level))) }
}
