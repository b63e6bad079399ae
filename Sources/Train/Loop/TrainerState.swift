import Foundation
import NN
import Tensor

/// Everything besides model weights and Adam moments that an exact resume needs (trainer_state.json):
/// the position in the data, the step count, the schedule, every registered RNG's state, and the history
/// shown in metrics.json / curves.svg.
public struct TrainerState: Codable, Equatable, Sendable {
    /// Optimizer updates done (the scheduler has stepped this many times).
    public var step: Int = 0
    /// Next micro-batch to run: `batch` of `epoch`.
    public var epoch: Int = 0
    public var batch: Int = 0
    public var schedule: LRSchedule
    public var rngStates: [String: RNG.State] = [:]
    /// (step, mean micro-batch loss of that update).
    public var lossHistory: [LossPoint] = []
    public var metrics = MetricsLog()
    public var refreshLog: [RefreshRecord] = []
    /// Validation count (the seed's `step_count`, which numbers checkpoints) and the update step of each.
    public var validations: Int = 0
    public var validationSteps: [Int] = []

    public struct LossPoint: Codable, Equatable, Sendable {
        public var step: Int
        public var loss: Double
    }

    public init(schedule: LRSchedule) { self.schedule = schedule }

    public static let fileName = "trainer_state.json"

    public func save(to folder: URL) throws { try JSONFiles.write(self, to: folder.appendingPathComponent(Self.fileName)) }

    public static func load(from folder: URL) throws -> TrainerState {
        try JSONFiles.read(folder.appendingPathComponent(fileName))
    }
}

/// One KB refresh (rag-end2end-retriever `finetune_rag.py` + `kb_encode_utils.py` (KB re-encoding)): started at `startStep`, installed (or failed) at `endStep`.
public struct RefreshRecord: Codable, Equatable, Sendable {
    public var startStep: Int
    public var endStep: Int
    public var seconds: Double
    /// nil when the new state was installed; else why it failed (the old state stays in use).
    public var error: String?

    public var summary: String {
        let base = "KB refresh started at step \(startStep), " + (error == nil ? "installed" : "failed") + " at step \(endStep) after " + String(format: "%.2f", seconds) + " s"
        return error.map { base + ": \($0); keeping the previous KB and index" } ?? base
    }
}
