/// FNV-1a, 64-bit: a cheap content hash (parameter fingerprints of encoder snapshots, the data-parallel weight
/// check). Not cryptographic.
public struct FNV1a64 {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func add(_ text: String) {
        for byte in text.utf8 { value = (value ^ UInt64(byte)) &* 0x100_0000_01b3 }
    }

    /// Each float's bit pattern, as one 64-bit word per value (the fingerprints written so far use this).
    public mutating func add(_ floats: UnsafeBufferPointer<Float>) {
        for x in floats { value = (value ^ UInt64(x.bitPattern)) &* 0x100_0000_01b3 }
    }
}
