import Foundation
import Support

/// The seed's checkpoint layout (rag-end2end-retriever `callbacks_rag.py` checkpoints) under `outputDirectory`, written atomically:
///
///     output/checkpoint{N}/                        model folder (written by the caller's Models save closure)
///            checkpoint{N}/trainer_state/          Ragtime's resume state: trainer_state.json, optimizer.json,
///                                                  optimizer.safetensors (exact float32 Adam moments)
///     output/dpr_ctx_checkpoint/checkpoint{N}/     context-encoder folder (end-to-end only)
///     output/metrics.json, output/curves.svg
///
/// Each folder is built under a hidden temp name beside its final place and renamed when complete; the
/// ctx folder is renamed first, the main folder last, so a `checkpoint{N}` holding `trainer_state/` marks a
/// complete checkpoint. A kill mid-write leaves only hidden `.tmp-*` folders, removed by the next write.
public struct CheckpointDirectory: Sendable {
    public let outputDirectory: URL
    public init(_ outputDirectory: URL) { self.outputDirectory = outputDirectory }

    public func modelFolder(step: Int) -> URL { outputDirectory.appendingPathComponent("checkpoint\(step)") }
    public func contextEncoderFolder(step: Int) -> URL {
        outputDirectory.appendingPathComponent("dpr_ctx_checkpoint").appendingPathComponent("checkpoint\(step)")
    }
    public func trainerStateFolder(step: Int) -> URL { modelFolder(step: step).appendingPathComponent("trainer_state") }
    public var metricsURL: URL { outputDirectory.appendingPathComponent("metrics.json") }
    public var plotURL: URL { outputDirectory.appendingPathComponent("curves.svg") }

    /// Before a fresh (not resumed) run: the files of an earlier run here (`checkpoint*`, `.tmp-checkpoint*`,
    /// `dpr_ctx_checkpoint/`, `metrics.json`, `curves.svg`; nothing else) are refused with an error naming
    /// them, or removed with `overwrite`.
    public func clearEarlierRun(overwrite: Bool) throws {
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: outputDirectory.path)) ?? []).filter {
            $0.hasPrefix("checkpoint") || $0.hasPrefix(".tmp-checkpoint") || ["dpr_ctx_checkpoint", "metrics.json", "curves.svg"].contains($0)
        }.sorted()
        guard !names.isEmpty else { return }
        guard overwrite else {
            throw TrainError.config("\(outputDirectory.path) holds an earlier run (\(names.prefix(4).joined(separator: ", "))\(names.count > 4 ? ", …" : "")): pass resume to continue it, overwrite_output to replace it, or choose another output directory")
        }
        for n in names {
            do { try fm.removeItem(at: outputDirectory.appendingPathComponent(n)) } catch {
                throw TrainError.io("cannot remove \(outputDirectory.appendingPathComponent(n).path): \(FileErrors.reason(error))")
            }
        }
    }

    /// Writes checkpoint `step`: `model(folder)`, then `trainerState(folder/trainer_state)`, and if given
    /// `contextEncoder(ctxFolder)`; an existing checkpoint with that number is replaced.
    public func write(step: Int, model: (URL) throws -> Void, contextEncoder: ((URL) throws -> Void)? = nil,
                      trainerState: (URL) throws -> Void) throws {
        try create(outputDirectory)
        if let contextEncoder {
            let final = contextEncoderFolder(step: step)
            try create(final.deletingLastPathComponent())
            try build(final) { try contextEncoder($0) }
        }
        try build(modelFolder(step: step)) { dir in
            try model(dir)
            let state = dir.appendingPathComponent("trainer_state")
            try create(state)
            try trainerState(state)
        }
    }

    /// Steps of the complete checkpoints (those with `trainer_state/trainer_state.json`), ascending.
    public func completedSteps() -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: outputDirectory.path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("checkpoint"), let n = Int(name.dropFirst("checkpoint".count)) else { return nil }
            let state = trainerStateFolder(step: n).appendingPathComponent("trainer_state.json")
            return FileManager.default.fileExists(atPath: state.path) ? n : nil
        }.sorted()
    }

    public func latestStep() -> Int? { completedSteps().last }

    private func create(_ dir: URL) throws {
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw TrainError.checkpoint("cannot create \(dir.path): \(FileErrors.reason(error))")
        }
    }

    /// Fills a fresh temp folder beside `final`, then moves it into place (replacing an older `final`).
    private func build(_ final: URL, _ fill: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let parent = final.deletingLastPathComponent()
        for stale in ((try? fm.contentsOfDirectory(atPath: parent.path)) ?? []) where stale.hasPrefix(".tmp-\(final.lastPathComponent)-") {
            try? fm.removeItem(at: parent.appendingPathComponent(stale))
        }
        let tmp = parent.appendingPathComponent(".tmp-\(final.lastPathComponent)-\(UUID().uuidString)")
        try create(tmp)
        do { try fill(tmp) } catch {
            try? fm.removeItem(at: tmp)
            throw error
        }
        var old: URL?
        if fm.fileExists(atPath: final.path) {
            old = parent.appendingPathComponent(".tmp-\(final.lastPathComponent)-old-\(UUID().uuidString)")
            do { try fm.moveItem(at: final, to: old!) } catch {
                throw TrainError.checkpoint("cannot replace \(final.path): \(FileErrors.reason(error))")
            }
        }
        do { try fm.moveItem(at: tmp, to: final) } catch {
            throw TrainError.checkpoint("cannot move \(tmp.path) to \(final.path): \(FileErrors.reason(error))")
        }
        if let old { try? fm.removeItem(at: old) }
    }
}
