/// Errors thrown by tensor operations. Every case names the operation and the offending shapes or
/// values, so a message such as `matmul: shapes [2, 3] and [4, 5] do not match (inner dims 3 vs 4)`
/// is enough to find the problem without a debugger.
public enum TensorError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Two operand shapes that the op cannot combine (broadcasting, inner dimensions, ...).
    case shapeMismatch(op: String, lhs: [Int], rhs: [Int], reason: String)
    /// A single shape the op cannot accept (wrong rank, negative size, bad reshape, ...).
    case invalidShape(op: String, shape: [Int], reason: String)
    /// A non-shape argument out of its domain (probability, dimension, k, ...).
    case invalidArgument(op: String, reason: String)
    /// An index (token id, gather index, target class) outside `0..<size`.
    case indexOutOfRange(op: String, index: Int, size: Int)
    /// Autodiff misuse (backward from a non-scalar, from a tensor that does not require grad, ...).
    case autodiff(reason: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, lhs, rhs, reason):
            return "\(op): shapes \(lhs) and \(rhs) do not match (\(reason))"
        case let .invalidShape(op, shape, reason):
            return "\(op): invalid shape \(shape) (\(reason))"
        case let .invalidArgument(op, reason):
            return "\(op): \(reason)"
        case let .indexOutOfRange(op, index, size):
            return "\(op): index \(index) out of range 0..<\(size)"
        case let .autodiff(reason):
            return "backward: \(reason)"
        }
    }
}
