import Cluster
import Foundation
import Support
import Tensor

/// Data-parallel training across the ranks of an `mpirun` job, as PyTorch's DistributedDataParallel
/// does for the research project's `gpus` (docs/distributed.md):
///
/// - every rank holds the same weights and takes a disjoint share of each global micro-batch
///   (`BatchLoader`'s `part`): global batch = `train_batch_size x ranks x gradient_accumulation_steps`;
/// - before each optimizer update the gradients are combined over the ranks with one allreduce of one
///   flat buffer (every parameter's gradient, then the update's loss): summed when the loss is a sum over
///   the batch's examples (RAG's loss), averaged when it is a mean (the generator's token cross entropy),
///   so that R ranks with batch b compute the gradient one process computes with batch R·b, before
///   clipping, and train the same weights. (PyTorch's DDP, and so the research project on several GPUs,
///   always averages, which for RAG's summed loss scales the gradient by 1/R before clipping.) The logged
///   loss is combined the same way;
/// - every rank then clips and applies the same AdamW step, so the weights stay identical; `verify`
///   compares a checksum of them at each validation.
/// In one process every function here returns at once.
public enum DataParallel {
    /// How a batch's loss is reduced over its examples, and so how ranks combine gradients and losses.
    public enum Reduction: Sendable { case sum, mean }

    /// Combines the gradients of `params` and `loss` over the ranks in place (`reduction`); returns the
    /// combined loss. A parameter without a gradient on this rank contributes zeros; one without a gradient on
    /// every rank keeps none.
    public static func combineGradients(_ params: [Tensor], loss: Double, reduction: Reduction) throws -> Double {
        guard Cluster.size > 1 else { return loss }
        var flat: [Float] = []
        flat.reserveCapacity(params.reduce(0) { $0 + $1.count } + params.count + 2)
        for p in params {
            if let g = p.grad { g.withUnsafeBufferPointer { flat += $0 } } else { flat += [Float](repeating: 0, count: p.count) }
        }
        // One flag per parameter: how many ranks had a gradient for it. A parameter none had keeps a nil
        // gradient, so the optimizer skips it as one process would.
        flat += params.map { $0.grad == nil ? 0 : 1 }
        // The loss travels as two floats (its float32 value and the remainder), so its mean keeps
        // nearly double precision.
        let high = Float(loss)
        flat += [high, Float(loss - Double(high))]
        let start = DispatchTime.now().uptimeNanoseconds
        Cluster.sum(&flat)
        allreduceSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        allreduceCount += 1
        let scale: Float = reduction == .mean ? 1 / Float(Cluster.size) : 1
        var offset = 0
        let flags = flat.count - 2 - params.count
        for (k, p) in params.enumerated() {
            let n = p.count
            defer { offset += n }
            if flat[flags + k] == 0 { continue }
            if p.grad == nil { p.grad = try Tensor(shape: p.shape, scalars: [Float](repeating: 0, count: n)) }
            p.grad!.withUnsafeMutableBufferPointer { g in
                for i in 0 ..< n { g[i] = flat[offset + i] * scale }
            }
        }
        let total = Double(flat[flat.count - 2]) + Double(flat[flat.count - 1])
        return reduction == .mean ? total / Double(Cluster.size) : total
    }

    /// Stops training when the ranks' weights differ: an FNV-1a 64 hash of every parameter's bits is
    /// gathered from every rank and compared.
    public static func verify(_ params: [(name: String, tensor: Tensor)], step: Int) throws {
        guard Cluster.size > 1 else { return }
        var h = FNV1a64()
        for (name, t) in params {
            h.add(name)
            t.withUnsafeBufferPointer { h.add($0) }
        }
        let all = try Cluster.allGather(withUnsafeBytes(of: h.value.littleEndian) { Array($0) })
        if Set(all).count > 1 {
            let hashes = all.map { bytes in bytes.map { String(format: "%02x", $0) }.joined() }
            throw TrainError.data("data-parallel weights differ between ranks at step \(step) (checksums \(hashes.enumerated().map { "rank \($0.offset) \($0.element)" }.joined(separator: ", ")))")
        }
    }

    /// Wall time spent in the gradient allreduce (waiting for the other ranks included) and the number of
    /// allreduces since the process started: the communication cost of data-parallel training.
    nonisolated(unsafe) public private(set) static var allreduceSeconds = 0.0
    nonisolated(unsafe) public private(set) static var allreduceCount = 0

    /// True on the rank that writes checkpoints, metrics and curves (rank 0; the only one in one process).
    public static var writesFiles: Bool { Cluster.rank == 0 }
}
