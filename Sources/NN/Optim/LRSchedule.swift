#if canImport(Glibc)
import Glibc
#endif

/// transformers' learning-rate schedules as LambdaLR factors (rag-end2end-retriever `lightning_base.py` schedules): the k-th optimizer update
/// (k = 1, 2, ...) uses `base_lr · f(k − 1)`, so the first update uses `f(0)` (zero during warm-up).
/// `W = warmupSteps`, `N = trainingSteps` — a Double, not rounded, as the seed's `total_steps()`.
///
///     let s = try LRSchedule(kind: .polynomial, warmupSteps: 500, trainingSteps: 1234.5)
///     opt.learningRate = opt.hyperparameters.learningRate * s.factor(k - 1)
public struct LRSchedule: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case linear, polynomial, constant
        case constantWithWarmup = "constant_with_warmup"
        case cosine
        case cosineWithRestarts = "cosine_w_restarts"
    }

    public var kind: Kind
    public var warmupSteps: Int
    public var trainingSteps: Double
    /// Polynomial only: final learning rate and power (the seed's defaults 1e-7 and 1.0).
    public var lrEnd: Double
    public var power: Double
    /// Polynomial only: the base learning rate (`lr_init`), which must exceed `lrEnd`.
    public var lrInit: Double
    /// Cosine: 0.5 cycles; cosine with restarts: 1 cycle (transformers' defaults).
    public var cycles: Double

    public init(kind: Kind, warmupSteps: Int = 0, trainingSteps: Double = 0, lrInit: Double = 0,
                lrEnd: Double = 1e-7, power: Double = 1.0, cycles: Double? = nil) throws {
        guard warmupSteps >= 0 else { throw OptimError.invalid("schedule: warmup steps \(warmupSteps) < 0") }
        if kind == .polynomial, !(lrInit > lrEnd) {
            throw OptimError.invalid("polynomial schedule: lr_end (\(lrEnd)) must be smaller than the initial lr (\(lrInit))")
        }
        if [.linear, .polynomial, .cosine, .cosineWithRestarts].contains(kind), !(trainingSteps > 0) {
            throw OptimError.invalid("\(kind.rawValue) schedule needs trainingSteps > 0, got \(trainingSteps)")
        }
        self.kind = kind
        self.warmupSteps = warmupSteps
        self.trainingSteps = trainingSteps
        self.lrEnd = lrEnd
        self.power = power
        self.lrInit = lrInit
        self.cycles = cycles ?? (kind == .cosineWithRestarts ? 1 : 0.5)
    }

    /// `f(s)`: the factor after `s` scheduler steps.
    public func factor(_ s: Int) -> Double {
        let w = Double(warmupSteps), n = trainingSteps, x = Double(s)
        if kind == .constant { return 1 }
        if s < warmupSteps { return x / Swift.max(1, w) }
        switch kind {
        case .constant, .constantWithWarmup:
            return 1
        case .linear:
            return Swift.max(0, (n - x) / Swift.max(1, n - w))
        case .polynomial:
            if x > n { return lrEnd / lrInit }
            let remaining = 1 - (x - w) / (n - w)
            return ((lrInit - lrEnd) * pow(remaining, power) + lrEnd) / lrInit
        case .cosine:
            let progress = (x - w) / Swift.max(1, n - w)
            return Swift.max(0, 0.5 * (1 + cos(Double.pi * cycles * 2 * progress)))
        case .cosineWithRestarts:
            let progress = (x - w) / Swift.max(1, n - w)
            if progress >= 1 { return 0 }
            return Swift.max(0, 0.5 * (1 + cos(Double.pi * (cycles * progress).truncatingRemainder(dividingBy: 1))))
        }
    }

    /// Learning rate of the k-th optimizer update (k ≥ 1): `base · f(k − 1)`.
    public func learningRate(base: Double, update k: Int) -> Double { base * factor(k - 1) }
}
