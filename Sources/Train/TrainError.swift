/// Problems of the training pipeline; every message names the file, line or setting at fault.
public enum TrainError: Error, CustomStringConvertible, Equatable {
    case data(String)
    case config(String)
    case checkpoint(String)
    case io(String)
    /// A long evaluation stopped by its cancellation check (e.g. Ctrl-C).
    case cancelled

    public var description: String {
        switch self {
        case .data(let m): return "training data: \(m)"
        case .config(let m): return "training options: \(m)"
        case .checkpoint(let m): return "checkpoint: \(m)"
        case .io(let m): return m
        case .cancelled: return "cancelled"
        }
    }
}
