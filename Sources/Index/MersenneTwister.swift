/// 32-bit Mersenne Twister (`std::mt19937`), the generator faiss seeds with 12345 for HNSW levels
/// and with 789 for the per-`add` insertion shuffle (faiss `faiss/impl/HNSW.cpp`, `IndexHNSW.cpp`).
struct MersenneTwister: Sendable {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    init(seed: UInt32) {
        state[0] = seed
        for i in 1 ..< 624 {
            state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
        }
    }

    mutating func next() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// faiss `RandomGenerator::rand_float`: `float(mt()) / float(mt.max())`.
    mutating func nextFloat() -> Float { Float(next()) / Float(UInt32.max) }

    /// faiss `RandomGenerator::rand_int(n)`: `mt() % n`.
    mutating func nextInt(below n: Int) -> Int { Int(UInt64(next()) % UInt64(n)) }

    private mutating func twist() {
        for i in 0 ..< 624 {
            let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
            var v = state[(i + 397) % 624] ^ (y >> 1)
            if y & 1 != 0 { v ^= 0x9908_B0DF }
            state[i] = v
        }
        index = 0
    }
}
