import Synchronization

/// One recorded op: its inputs (kept alive for backward) and its vector-Jacobian product.
/// `backward(g)` returns one gradient per input (nil where the input needs none), each shaped like
/// its input. Closures never capture the output tensor itself (that would be a retain cycle);
/// they capture `detached()` copies of what they need.
final class Node {
    let op: Op
    let inputs: [Tensor]
    let backward: (Tensor) throws -> [Tensor?]
    /// Live nodes in the process (tests check that backward releases the tape).
    static let live = Atomic<Int>(0)

    init(op: Op, inputs: [Tensor], backward: @escaping (Tensor) throws -> [Tensor?]) {
        self.op = op
        self.inputs = inputs
        self.backward = backward
        Node.live.add(1, ordering: .relaxed)
    }

    deinit { Node.live.subtract(1, ordering: .relaxed) }
}

/// Grad mode: recording is on by default and off inside `Tensor.withNoGrad` (per task/thread).
enum GradMode {
    @TaskLocal static var enabled = true
}

extension Tensor {
    /// True while ops are being recorded (false inside `withNoGrad`).
    public static var isGradEnabled: Bool { GradMode.enabled }

    /// Runs `body` with recording off: results have no tape, nothing is retained for backward.
    public static func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
        try GradMode.$enabled.withValue(false) { try body() }
    }

    /// True when gradients flow through this tensor (a leaf that requires grad, or a recorded result).
    public var tracksGrad: Bool { requiresGrad || node != nil }

    /// The op that produced this tensor, if it was recorded.
    public var recordedOp: Op? { node?.op }

    /// Attaches a tape node to `out` if recording is on and some input tracks gradients.
    @discardableResult
    static func record(_ op: Op, _ inputs: [Tensor], _ out: Tensor,
                       _ backward: @escaping (Tensor) throws -> [Tensor?]) -> Tensor {
        if GradMode.enabled, inputs.contains(where: { $0.tracksGrad }) {
            out.node = Node(op: op, inputs: inputs, backward: backward)
        }
        return out
    }

    /// Drops the gradient of this leaf.
    public func zeroGrad() { grad = nil }

    /// Reverse-mode sweep from this one-element tensor (seed gradient 1).
    public func backward() throws {
        guard count == 1 else {
            throw TensorError.autodiff(reason: "backward() needs a one-element tensor, got shape \(shape)")
        }
        try backward(gradient: Tensor.filled(shape, 1))
    }

    /// Reverse-mode sweep with an explicit seed gradient (same shape as this tensor).
    /// Gradients accumulate into `.grad` of leaves with `requiresGrad`; every visited node is released,
    /// so a second backward through the same graph is an error, and nothing outlives this call.
    public func backward(gradient: Tensor) throws {
        guard tracksGrad else {
            throw TensorError.autodiff(reason: "tensor does not require grad (no recorded op, not a grad leaf)")
        }
        guard gradient.shape == shape else {
            throw TensorError.shapeMismatch(op: "backward", lhs: shape, rhs: gradient.shape,
                                            reason: "seed gradient must match the tensor's shape")
        }
        // Post-order DFS (inputs before consumers); iterative so deep graphs cannot overflow the stack.
        var order: [Tensor?] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while let (t, next) = stack.popLast() {
            let inputs = t.node?.inputs ?? []
            if next < inputs.count {
                stack.append((t, next + 1))
                let child = inputs[next]
                if child.tracksGrad, visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                order.append(t)
            }
        }
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): gradient]
        var leafStorages: Set<ObjectIdentifier> = [ObjectIdentifier(gradient.storage)]
        try Tensor.withNoGrad {
            for i in stride(from: order.count - 1, through: 0, by: -1) {
                guard let t = order[i] else { continue }
                order[i] = nil
                let node = t.node
                t.node = nil  // release the tape as we go
                guard let g = grads.removeValue(forKey: ObjectIdentifier(t)) else { continue }
                if let node {
                    let inputGrads = try node.backward(g)
                    precondition(inputGrads.count == node.inputs.count, "\(node.op): wrong number of input grads")
                    for (input, ig) in zip(node.inputs, inputGrads) {
                        guard let ig, input.tracksGrad else { continue }
                        guard ig.shape == input.shape else {
                            throw TensorError.autodiff(reason: "\(node.op) produced grad \(ig.shape) for input \(input.shape)")
                        }
                        let key = ObjectIdentifier(input)
                        grads[key] = try grads[key].map { try $0 + ig } ?? ig
                    }
                } else if t.requiresGrad {
                    var g = g
                    // Each leaf's grad must own its storage (optimisers may scale grads in place).
                    if !leafStorages.insert(ObjectIdentifier(g.storage)).inserted { g = g.copied() }
                    if let existing = t.grad { t.grad = try existing + g } else { t.grad = g.detached() }
                    if let grad = t.grad { leafStorages.insert(ObjectIdentifier(grad.storage)) }
                }
            }
        }
    }
}

extension Tensor {
    /// The ops recorded in the graph that produced this tensor (for tests and debugging).
    public var recordedOps: Set<Op> {
        var ops = Set<Op>(), seen = Set<ObjectIdentifier>(), stack = [self]
        while let t = stack.popLast() {
            guard let node = t.node else { continue }
            ops.insert(node.op)
            for input in node.inputs where seen.insert(ObjectIdentifier(input)).inserted { stack.append(input) }
        }
        return ops
    }

    /// Number of tape nodes alive in the process (tests use it to prove backward frees the tape).
    public static var liveTapeNodes: Int { Node.live.load(ordering: .relaxed) }
}
