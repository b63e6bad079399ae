/// A seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64): same seed, same
/// stream, on every platform. Streams: `uniform()` in [0, 1) (24-bit), `normal()` (Box-Muller in
/// Double), `bernoulli(p)`. Not thread-safe: use one generator per thread.
///
///     let rng = RNG(seed: 42)
///     let w = try Tensor.randn([768, 768], std: 0.02, generator: rng)
public final class RNG: RandomNumberGenerator, @unchecked Sendable {
    public let seed: UInt64
    private var s: (UInt64, UInt64, UInt64, UInt64)
    private var spareNormal: Double?

    public init(seed: UInt64) {
        self.seed = seed
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    public func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 24 random bits (every value exactly representable as Float).
    public func uniform() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform Double in (0, 1].
    private func openUniform() -> Double { (Double(next() >> 11) + 1) * 0x1p-53 }

    /// Standard normal sample.
    public func normal() -> Float {
        if let z = spareNormal {
            spareNormal = nil
            return Float(z)
        }
        let r = (-2 * _log(openUniform())).squareRoot()
        let theta = 2 * Double.pi * openUniform()
        spareNormal = r * _sin(theta)
        return Float(r * _cos(theta))
    }

    /// True with probability `p`.
    public func bernoulli(_ p: Float) -> Bool { uniform() < p }

    /// The complete generator state (the four xoshiro words and the cached Box-Muller sample), for
    /// resumable checkpoints: `b.state = a.state` makes `b` continue exactly where `a` is.
    public struct State: Equatable, Sendable {
        public var words: [UInt64]
        public var spareNormal: Double?
        public init(words: [UInt64], spareNormal: Double?) {
            precondition(words.count == 4, "RNG.State needs 4 words, got \(words.count)")
            self.words = words
            self.spareNormal = spareNormal
        }
    }

    public var state: State {
        get { State(words: [s.0, s.1, s.2, s.3], spareNormal: spareNormal) }
        set {
            s = (newValue.words[0], newValue.words[1], newValue.words[2], newValue.words[3])
            spareNormal = newValue.spareNormal
        }
    }
}

#if canImport(Glibc)
import Glibc
private func _log(_ x: Double) -> Double { Glibc.log(x) }
private func _sin(_ x: Double) -> Double { Glibc.sin(x) }
private func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#endif
