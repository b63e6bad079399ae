import Foundation
import KB
import Models
import Tensor

/// The model half of a RAG checkpoint for resuming (rag-end2end-retriever `callbacks_rag.py` checkpoints layout, written by `RagFineTune`):
/// `checkpoint{N}/model.safetensors` (RAG without `rag.ctx_encoder.*`), `dpr_ctx_checkpoint/checkpoint{N}/
/// model.safetensors` (keys `ctx_encoder.bert_model.*`) and, end to end, the KB as it was at the checkpoint
/// in `checkpoint{N}/trainer_state/kb/` (refreshes replace it; the seed overwrote its KB in place).
public enum RagCheckpointState {
    public static let kbFolderName = "kb"

    /// Copies checkpoint `step`'s weights into the live `model` (in place: the optimizer's parameter tensors
    /// stay the same objects). Every tensor of the model must be present, with its shape.
    public static func loadWeights(into model: RagForGeneration, from output: CheckpointDirectory, step: Int) throws {
        let folder = output.modelFolder(step: step)
        var tensors = try SafeTensors.read(folder.appendingPathComponent("model.safetensors"))
        if model.contextEncoder != nil {
            let ctxFolder = output.contextEncoderFolder(step: step)
            let ctx = ctxFolder.appendingPathComponent("model.safetensors")
            guard FileManager.default.fileExists(atPath: ctx.path) else {
                throw TrainError.checkpoint("\(ctxFolder.path) has no model.safetensors: cannot resume the context encoder")
            }
            for (k, t) in try SafeTensors.read(ctx) { tensors["rag.ctx_encoder." + k] = t }
        }
        do { try model.loadStateDict(tensors, source: folder.path) } catch {
            throw TrainError.checkpoint("cannot resume from \(folder.path): \(error)")
        }
    }

    /// The KB saved with checkpoint `step`, if any.
    public static func loadKnowledgeBase(from output: CheckpointDirectory, step: Int) throws -> KnowledgeBase? {
        let folder = output.trainerStateFolder(step: step).appendingPathComponent(kbFolderName)
        guard FileManager.default.fileExists(atPath: folder.path) else { return nil }
        return try KnowledgeBase.load(from: folder)
    }

    public static func saveKnowledgeBase(_ kb: KnowledgeBase, trainerState dir: URL) throws {
        try kb.save(to: dir.appendingPathComponent(kbFolderName))
    }
}
