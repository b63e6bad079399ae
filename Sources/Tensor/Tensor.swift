/// Float32 tensors with reverse-mode automatic differentiation on OpenBLAS.
///
/// Overview (details and the full op list: docs/tensor.md):
///
///     let rng = RNG(seed: 7)
///     let w = try Tensor.randn([3, 4], generator: rng)
///     w.requiresGrad = true                                // a leaf that collects .grad
///     let x = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
///     let y = try x.matmul(w).gelu()                       // [2, 4]
///     let loss = try (y * y).mean()                        // scalar
///     try loss.backward()                                  // w.grad: [3, 4]; the tape is then freed
///     w.zeroGrad()
///     let z = try Tensor.withNoGrad { try x.matmul(w) }    // inference: nothing recorded
///
/// Conventions:
/// - Storage is row-major and contiguous. `reshaped` shares storage (a view); every other op allocates.
///   The engine never writes into an existing storage.
/// - Every op that can fail `throw`s a `TensorError` naming the op and the shapes. Tensor-tensor
///   arithmetic uses throwing operators (`try a + b * c`); tensor-scalar arithmetic cannot fail.
/// - Dimensions may be negative (Python style). Integer data (token ids, indices, masks) is `IntTensor`.
/// - A result records its op on the tape when grad mode is on (the default; see `withNoGrad`) and
///   some input requires grad. `backward()` accumulates into the `.grad` of leaves and frees the tape.
public final class Tensor: @unchecked Sendable {
    /// Dimensions, outermost first. `[]` is a scalar.
    public let shape: [Int]
    let storage: Storage
    /// Set on leaves (parameters) to collect gradients in `grad` during `backward()`.
    public var requiresGrad: Bool = false
    /// Accumulated gradient of a leaf (same shape); each leaf's grad owns its storage after backward.
    public var grad: Tensor?
    /// The op that produced this tensor while recording (nil for leaves and after backward).
    var node: Node?

    /// Wraps `storage` (which must hold at least `Shape.count(shape)` floats).
    init(shape: [Int], storage: Storage) {
        precondition(storage.count >= Shape.count(shape), "storage too small for shape \(shape)")
        self.shape = shape
        self.storage = storage
    }

    /// A tensor with uninitialised contents; the caller writes every element.
    init(uninitialized shape: [Int]) {
        self.shape = shape
        self.storage = Storage(count: Shape.count(shape))
    }

    /// A tensor of `shape` holding `scalars` in row-major order.
    public convenience init(shape: [Int], scalars: [Float]) throws {
        try Shape.validate(shape, op: "Tensor(shape:scalars:)")
        guard Shape.count(shape) == scalars.count else {
            throw TensorError.invalidShape(op: "Tensor(shape:scalars:)", shape: shape,
                                           reason: "needs \(Shape.count(shape)) scalars, got \(scalars.count)")
        }
        self.init(uninitialized: shape)
        scalars.withUnsafeBufferPointer { src in
            if let b = src.baseAddress { storage.base.update(from: b, count: scalars.count) }
        }
    }

    /// A scalar (shape `[]`).
    public convenience init(_ value: Float) {
        self.init(shape: [], storage: Storage(count: 1, repeating: value))
    }

    /// A float copy of integer data (ids, masks), same shape.
    public convenience init(_ ints: IntTensor) {
        self.init(uninitialized: ints.shape)
        for (i, v) in ints.scalars.enumerated() { storage.base[i] = Float(v) }
    }

    public static func full(_ shape: [Int], value: Float) throws -> Tensor {
        try Shape.validate(shape, op: "full")
        return Tensor(shape: shape, storage: Storage(count: Shape.count(shape), repeating: value))
    }
    public static func zeros(_ shape: [Int]) throws -> Tensor { try full(shape, value: 0) }
    public static func ones(_ shape: [Int]) throws -> Tensor { try full(shape, value: 1) }
    static func filled(_ shape: [Int], _ value: Float) -> Tensor {
        Tensor(shape: shape, storage: Storage(count: Shape.count(shape), repeating: value))
    }

    /// Normal samples `mean + std * N(0, 1)` drawn from `generator`.
    public static func randn(_ shape: [Int], mean: Float = 0, std: Float = 1, generator: RNG) throws -> Tensor {
        try Shape.validate(shape, op: "randn")
        let t = Tensor(uninitialized: shape)
        for i in 0..<t.count { t.storage.base[i] = mean + std * generator.normal() }
        return t
    }

    /// Uniform samples in `[low, high)` drawn from `generator`.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, generator: RNG) throws -> Tensor {
        try Shape.validate(shape, op: "uniform")
        guard low <= high else { throw TensorError.invalidArgument(op: "uniform", reason: "low \(low) > high \(high)") }
        let t = Tensor(uninitialized: shape)
        for i in 0..<t.count { t.storage.base[i] = low + (high - low) * generator.uniform() }
        return t
    }

    /// Number of elements.
    public var count: Int { Shape.count(shape) }
    public var rank: Int { shape.count }
    var base: UnsafeMutablePointer<Float> { storage.base }

    /// A copy of the elements in row-major order.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.base, count: count)) }

    /// The single element of a one-element tensor.
    public func item() throws -> Float {
        guard count == 1 else {
            throw TensorError.invalidShape(op: "item", shape: shape, reason: "item() needs exactly one element")
        }
        return storage.base[0]
    }

    /// Same data, same shape, no tape and no grad (shares storage).
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// A deep copy (new storage), not recorded on the tape.
    public func copied() -> Tensor {
        let t = Tensor(uninitialized: shape)
        t.storage.base.update(from: storage.base, count: count)
        return t
    }

    /// Read access to the elements (row-major).
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base, count: count))
    }

    /// In-place write access, for optimisers and loaders. Writes are seen by every view sharing the
    /// storage (`reshaped`) and are not recorded on the tape; do not mutate tensors a recorded graph
    /// still needs for its backward pass.
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: storage.base, count: count))
    }

    /// Copies `other`'s elements into this tensor's storage in place (shapes must be equal).
    public func assign(_ other: Tensor) throws {
        guard other.shape == shape else {
            throw TensorError.shapeMismatch(op: "assign", lhs: shape, rhs: other.shape, reason: "shapes must be equal")
        }
        storage.base.update(from: other.storage.base, count: count)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", ..." : "")])"
    }
}

/// Integer data: token ids, indices, targets and boolean masks (nonzero = true). Row-major.
public struct IntTensor: Equatable, Sendable, CustomStringConvertible {
    public let shape: [Int]
    public var scalars: [Int]

    public init(shape: [Int], scalars: [Int]) throws {
        try Shape.validate(shape, op: "IntTensor(shape:scalars:)")
        guard Shape.count(shape) == scalars.count else {
            throw TensorError.invalidShape(op: "IntTensor(shape:scalars:)", shape: shape,
                                           reason: "needs \(Shape.count(shape)) scalars, got \(scalars.count)")
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// A 1-D tensor of `scalars`.
    public init(_ scalars: [Int]) {
        self.shape = [scalars.count]
        self.scalars = scalars
    }

    public var count: Int { scalars.count }

    public func reshaped(_ newShape: [Int]) throws -> IntTensor {
        try IntTensor(shape: try Tensor.resolve(newShape, count: count, from: shape), scalars: scalars)
    }

    public var description: String { "IntTensor(shape: \(shape), \(scalars.prefix(8))\(count > 8 ? "..." : ""))" }
}
