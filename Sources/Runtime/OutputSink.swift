/// Where a script's transcript goes (`print`, displayed values, progress). Library code never prints;
/// the executable passes a sink for standard output, tests pass a `StringSink`.
public protocol OutputSink: AnyObject {
    func write(_ text: String)
}

/// Collects everything written, for tests and for capturing output.
public final class StringSink: OutputSink {
    public private(set) var text = ""
    public init() {}
    public func write(_ text: String) { self.text += text }
}

/// Forwards writes to a closure (e.g. `FileHandle.standardOutput` in the executable).
public final class ClosureSink: OutputSink {
    private let sink: (String) -> Void
    public init(_ sink: @escaping (String) -> Void) { self.sink = sink }
    public func write(_ text: String) { sink(text) }
}
