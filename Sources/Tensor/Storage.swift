/// A fixed-size, 64-byte aligned float buffer. Several `Tensor`s may share one `Storage` (views made by
/// `reshaped`), so the engine never writes into a storage that an op did not just allocate.
final class Storage: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
    let count: Int

    /// Uninitialised storage of `count` floats (callers write every element before reading).
    init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Storage filled with `value`.
    convenience init(count: Int, repeating value: Float) {
        self.init(count: count)
        base.update(repeating: value, count: count)
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }
}
