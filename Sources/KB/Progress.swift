import Foundation
import Support

/// Progress of a long job (passages encoded, vectors indexed), written through the caller's sink:
/// a redrawn bar (`\r…`) on a terminal, plain lines otherwise. Shows count, rate and ETA.
///
///     let p = ProgressReporter(label: "encoding", unit: "passages", style: .lines(every: 5)) { print($0, terminator: "") }
public final class ProgressReporter {
    public enum Style: Sendable {
        /// One line redrawn in place, at most 10 times a second; a newline when finished.
        case bar(width: Int)
        /// A full line every `every` seconds and at the end.
        case lines(every: Double)

        /// `.bar` when the output is a terminal, `.lines` otherwise.
        public static func automatic(isTerminal: Bool) -> Style { isTerminal ? .bar(width: 30) : .lines(every: 5) }
    }

    public let label: String
    public let unit: String
    public let style: Style
    /// Nothing is written until the job has run this many seconds (then as usual, and the final line);
    /// a job that ends sooner stays silent. 0 = report from the start.
    public var quietFor: Double = 0
    private var spoke = false
    private let sink: (String) -> Void
    private let clock: () -> Double
    private var total = 0
    private(set) public var done = 0
    private var measure = ProgressRate(time: 0)
    private var lastEmit = -Double.infinity

    /// `sink` receives text including its own line endings; `clock` returns seconds (injectable for tests).
    public init(label: String, unit: String = "passages", style: Style,
                clock: @escaping () -> Double = { Date().timeIntervalSinceReferenceDate },
                sink: @escaping (String) -> Void) {
        self.label = label
        self.unit = unit
        self.style = style
        self.clock = clock
        self.sink = sink
    }

    public func start(total: Int) {
        self.total = total
        done = 0
        spoke = false
        measure = ProgressRate(time: clock())
        lastEmit = -Double.infinity
    }

    public func advance(by n: Int) {
        done += n
        let now = clock()
        guard measure.elapsed(at: now) >= quietFor else { return }
        spoke = true
        switch style {
        case .bar:
            if now - lastEmit >= 0.1 { lastEmit = now; sink("\r" + barText(now: now)) }
        case .lines(let every):
            if now - lastEmit >= every { lastEmit = now; sink(lineText(now: now) + "\n") }
        }
    }

    public func finish() {
        let now = clock()
        guard spoke || measure.elapsed(at: now) >= quietFor else { return }
        switch style {
        case .bar: sink("\r" + barText(now: now) + "\n")
        case .lines: sink(lineText(now: now) + "\n")
        }
    }

    private func rate(_ now: Double) -> Double { measure.perSecond(time: now, count: done) ?? 0 }

    private func eta(_ now: Double) -> String {
        ProgressRate.eta(remaining: total - done, rate: measure.perSecond(time: now, count: done))
    }

    func barText(now: Double) -> String {
        guard case .bar(let width) = style else { return lineText(now: now) }
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let filled = min(width, Int(fraction * Double(width)))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        return String(format: "%@ [%@] %d/%d %@ %.1f/s ETA %@", label, bar, done, total, unit, rate(now), eta(now))
    }

    func lineText(now: Double) -> String {
        let percent = total > 0 ? 100 * done / total : 100
        return String(format: "%@: %d/%d %@ (%d%%), %.1f/s, ETA %@", label, done, total, unit, percent, rate(now), eta(now))
    }
}
