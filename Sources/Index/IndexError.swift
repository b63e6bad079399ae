/// Errors of the Index module. Every case names what was wrong and the numbers involved.
public enum IndexError: Error, Equatable, CustomStringConvertible {
    /// A dimension of zero or less was requested.
    case invalidDimension(Int)
    /// A flat matrix whose element count is not a multiple of the index dimension,
    /// or an explicit dimension that differs from the index's.
    case dimensionMismatch(expected: Int, got: Int, what: String)
    /// `k` must be at least 1.
    case invalidK(Int)
    /// `k` larger than the number of stored vectors.
    case kTooLarge(k: Int, count: Int)
    /// Search on an index without vectors.
    case emptyIndex
    /// A NaN or infinite coordinate at (row, column) of the named input.
    case nonFinite(what: String, row: Int, column: Int)
    /// A construction parameter out of range.
    case invalidParameter(String)
    /// The file ended before a field could be read.
    case truncatedFile(field: String, offset: Int, needed: Int, available: Int)
    /// The file starts with a four-character code this reader does not know.
    case unsupportedFormat(fourcc: String)
    /// The file's fields are inconsistent (sizes, ranges, metric).
    case corruptFile(String)
    /// An HNSW graph breaks one of its structural invariants (see `HNSWGraph.checkInvariants`).
    case invariantViolated(String)
    /// Reading or writing the file failed at the operating-system level.
    case io(path: String, message: String)

    public var description: String {
        switch self {
        case .invalidDimension(let d):
            return "index dimension must be positive, got \(d)"
        case .dimensionMismatch(let expected, let got, let what):
            return "dimension mismatch in \(what): index has dimension \(expected), got \(got)"
        case .invalidK(let k):
            return "k must be at least 1, got \(k)"
        case .kTooLarge(let k, let count):
            return "k = \(k) is larger than the number of vectors in the index (\(count))"
        case .emptyIndex:
            return "the index is empty: add vectors before searching"
        case .nonFinite(let what, let row, let column):
            return "\(what) contains a NaN or infinite value at row \(row), column \(column)"
        case .invalidParameter(let message):
            return "invalid index parameter: \(message)"
        case .truncatedFile(let field, let offset, let needed, let available):
            return "truncated index file: reading \(field) at byte \(offset) needs \(needed) bytes, only \(available) left"
        case .unsupportedFormat(let fourcc):
            return "not a supported faiss index file: type code \"\(fourcc)\" (expected IxFI, IxF2 or IHNf)"
        case .corruptFile(let message):
            return "corrupt index file: \(message)"
        case .invariantViolated(let message):
            return "HNSW graph invariant violated: \(message)"
        case .io(let path, let message):
            return "cannot access index file \(path): \(message)"
        }
    }
}
