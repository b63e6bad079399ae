/// The arithmetic every progress line shares (KB encoding, indexing, evaluation and training progress): items
/// per second since a start, and the time left as `m:ss` or `h:mm:ss`. Clocks are injected (seconds).
public struct ProgressRate {
    private var start: (time: Double, count: Int)

    public init(time: Double, count: Int = 0) { start = (time, count) }

    /// When the measurement started (seconds on the caller's clock).
    public var startTime: Double { start.time }

    /// Seconds from the start to `time`.
    public func elapsed(at time: Double) -> Double { time - start.time }

    /// Items per second from the start to (`time`, `count`); nil before any time or item has passed.
    public func perSecond(time: Double, count: Int) -> Double? {
        let elapsed = time - start.time, done = count - start.count
        return elapsed > 0 && done > 0 ? Double(done) / elapsed : nil
    }

    /// The time `remaining` items take at `rate`, or `--:--` when the rate is unknown.
    public static func eta(remaining: Int, rate: Double?) -> String {
        guard let rate, rate > 0 else { return "--:--" }
        return duration(Double(max(0, remaining)) / rate)
    }

    /// `m:ss`, or `h:mm:ss` from one hour.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600):\(twoDigits(s / 60 % 60)):\(twoDigits(s % 60))" : "\(s / 60):\(twoDigits(s % 60))"
    }

    private static func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
