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
/// complete checkpoint. A kill mid-write leaves only hidden `.checkpointN.tmp-*` folders (AtomicFolder), removed by the next write.
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

    /// Before a fresh (not resumed) run: the files of an earlier run here (`checkpoint*` and their hidden working folders,
    /// `dpr_ctx_checkpoint/`, `metrics.json`, `curves.svg`; nothing else) are refused with an error naming
    /// them, or removed with `overwrite`.
    public func clearEarlierRun(overwrite: Bool) throws {
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: outputDirectory.path)) ?? []).filter {
            $0.hasPrefix("checkpoint") || $0.hasPrefix(".checkpoint") || $0.hasPrefix(".dpr_ctx_checkpoint") || ["dpr_ctx_checkpoint", "metrics.json", "curves.svg"].contains($0)
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

    /// Fills a fresh folder beside `final` and swaps it into place (`AtomicFolder.replace`).
    private func build(_ final: URL, _ fill: (URL) throws -> Void) throws {
        do { try AtomicFolder.replace(final, fill) } catch let failure as AtomicFolder.Failure {
            throw TrainError.checkpoint(failure.description)
        }
    }
}
