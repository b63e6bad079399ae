import Foundation
import Support

/// The training progress line (step, loss, learning rate, steps/s, ETA), written to an injected sink
/// every `every` optimizer steps. The clock is injected too (seconds, monotonic) so output is testable.
///
///     let p = TrainingProgress(totalSteps: 120, every: 10, sink: { print($0) })
///     p.update(step: 10, loss: 3.21, learningRate: 3e-5)   // "step 10/120 | loss 3.2100 | lr 3.00e-05 | 2.41 steps/s | ETA 0:45"
public final class TrainingProgress {
    public let totalSteps: Int?
    public let every: Int
    private let sink: (String) -> Void
    private let clock: () -> Double
    private var measure: ProgressRate?

    public init(totalSteps: Int?, every: Int = 1, sink: @escaping (String) -> Void,
                clock: @escaping () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }) {
        self.totalSteps = totalSteps
        self.every = max(1, every)
        self.sink = sink
        self.clock = clock
    }

    /// Starts the rate measurement at `step` (the first step of this run; after a resume, the resumed step).
    public func begin(step: Int) { measure = ProgressRate(time: clock(), count: step) }

    public func update(step: Int, loss: Double, learningRate: Double) {
        if measure == nil { begin(step: step - 1) }
        guard step % every == 0 || step == totalSteps, let measure else { return }
        let rate = measure.perSecond(time: clock(), count: step)
        sink(Self.format(step: step, totalSteps: totalSteps, loss: loss, learningRate: learningRate, stepsPerSecond: rate))
    }

    /// `step 10/120 | loss 3.2100 | lr 3.00e-05 | 2.41 steps/s | ETA 0:45` (ETA and rate `--` when unknown).
    public static func format(step: Int, totalSteps: Int?, loss: Double, learningRate: Double, stepsPerSecond: Double?) -> String {
        var parts = ["step \(step)" + (totalSteps.map { "/\($0)" } ?? ""),
                     "loss " + String(format: "%.4f", loss),
                     "lr " + String(format: "%.2e", learningRate)]
        parts.append(stepsPerSecond.map { String(format: "%.2f steps/s", $0) } ?? "-- steps/s")
        if let total = totalSteps, let r = stepsPerSecond, r > 0 {
            parts.append("ETA " + ProgressRate.eta(remaining: total - step, rate: r))
        } else {
            parts.append("ETA --")
        }
        return parts.joined(separator: " | ")
    }
}
