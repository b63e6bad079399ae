/// Errors of the KB module; each names the file, line or count involved.
public enum KBError: Error, Equatable, CustomStringConvertible {
    /// Rows the reader could not parse, with their 1-based starting line numbers and reasons
    /// (only the first few are listed in the message).
    case malformedRows(path: String, rows: [MalformedRow])
    case io(path: String, message: String)
    /// A KB folder or shard file whose contents disagree with each other or with the manifest.
    case corrupt(path: String, message: String)
    /// Encoder output of the wrong size.
    case encoderOutput(expected: Int, got: Int, passages: [Int])
    /// Embeddings or index missing for an operation that needs them.
    case notEncoded(String)
    /// Shards that do not cover the passages exactly once, in order.
    case shardMismatch(String)
    case invalidArgument(String)
    /// The caller's cancellation check asked to stop (e.g. Ctrl-C), after `done` passages.
    case cancelled(done: Int)

    public var description: String {
        switch self {
        case .malformedRows(let path, let rows):
            let shown = rows.prefix(5).map { "line \($0.line): \($0.reason)" }.joined(separator: "; ")
            let more = rows.count > 5 ? "; and \(rows.count - 5) more" : ""
            return "\(path): \(rows.count) malformed row(s): \(shown)\(more) (use skipMalformed to skip them)"
        case .io(let path, let message):
            return "cannot access \(path): \(message)"
        case .corrupt(let path, let message):
            return "corrupt knowledge base file \(path): \(message)"
        case .encoderOutput(let expected, let got, let passages):
            return "encoder returned \(got) values for the batch of passages \(passages), expected \(expected)"
        case .notEncoded(let message):
            return message
        case .shardMismatch(let message):
            return "cannot merge embedding shards: \(message)"
        case .invalidArgument(let message):
            return message
        case .cancelled(let done):
            return "encoding interrupted after \(done) passages"
        }
    }
}

/// One unparseable row: where it starts and why it was rejected.
public struct MalformedRow: Equatable, Sendable {
    public let line: Int
    public let reason: String
    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }
}
