import Synchronization

/// One recorded op: edges to its inputs' producers and its vector-Jacobian product.
/// `backward(g)` returns one gradient per input (nil where the input needs none), each shaped like
/// its input. Nodes reference the *nodes* of recorded inputs, not the input tensors, so an intermediate
/// result's storage is freed as soon as neither user code nor a backward closure needs its values
/// (closures capture `detached()` views of exactly what they need). Closures never capture the output
/// tensor itself (that would be a retain cycle) nor input tensors they do not read.
final class Node {
    let op: Op
    let inputs: [Edge]
    let backward: (Tensor) throws -> [Tensor?]
    /// The tensor this node produced (cleared by `backward` so the tape is released).
    weak var owner: Tensor?
    /// Live nodes in the process (tests check that backward releases the tape).
    static let live = Atomic<Int>(0)

    init(op: Op, inputs: [Edge], backward: @escaping (Tensor) throws -> [Tensor?]) {
        self.op = op
        self.inputs = inputs
        self.backward = backward
        Node.live.add(1, ordering: .relaxed)
    }

    deinit { Node.live.subtract(1, ordering: .relaxed) }
}

/// Where an input's gradient goes: the node that produced it (a recorded result), or the leaf tensor
/// itself (`requiresGrad`), or nowhere (a constant).
struct Edge {
    let node: Node?
    let leaf: Tensor?
    let shape: [Int]

    init(_ t: Tensor) {
        node = t.node
        leaf = t.node == nil && t.requiresGrad ? t : nil
        shape = t.shape
    }

    var tracksGrad: Bool { node != nil || leaf != nil }
    /// Identity of the gradient's destination.
    var key: ObjectIdentifier? { node.map(ObjectIdentifier.init) ?? leaf.map(ObjectIdentifier.init) }
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
            let node = Node(op: op, inputs: inputs.map(Edge.init), backward: backward)
            node.owner = out
            out.node = node
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
        // Post-order DFS over nodes (inputs before consumers); iterative so deep graphs cannot overflow.
        var order: [Node?] = []
        if let root = node {
            var visited: Set<ObjectIdentifier> = [ObjectIdentifier(root)]
            var stack: [(Node, Int)] = [(root, 0)]
            while let (n, next) = stack.popLast() {
                if next < n.inputs.count {
                    stack.append((n, next + 1))
                    if let child = n.inputs[next].node, visited.insert(ObjectIdentifier(child)).inserted {
                        stack.append((child, 0))
                    }
                } else {
                    order.append(n)
                }
            }
        }
        var grads: [ObjectIdentifier: Tensor] = [:]
        if let root = node { grads[ObjectIdentifier(root)] = gradient }
        var leafStorages: Set<ObjectIdentifier> = [ObjectIdentifier(gradient.storage)]
        /// Each leaf's grad must own its storage (optimisers may scale grads in place).
        func accumulate(leaf t: Tensor, _ g: Tensor) throws {
            var g = g
            if !leafStorages.insert(ObjectIdentifier(g.storage)).inserted { g = g.copied() }
            if let existing = t.grad { t.grad = try existing + g } else { t.grad = g.detached() }
            if let grad = t.grad { leafStorages.insert(ObjectIdentifier(grad.storage)) }
        }
        try Tensor.withNoGrad {
            if node == nil, requiresGrad { try accumulate(leaf: self, gradient); return }
            for i in stride(from: order.count - 1, through: 0, by: -1) {
                guard let n = order[i] else { continue }
                order[i] = nil
                n.owner?.node = nil  // release the tape as we go
                guard let g = grads.removeValue(forKey: ObjectIdentifier(n)) else { continue }
                let inputGrads = try n.backward(g)
                precondition(inputGrads.count == n.inputs.count, "\(n.op): wrong number of input grads")
                for (input, ig) in zip(n.inputs, inputGrads) {
                    guard let ig, input.tracksGrad else { continue }
                    guard ig.shape == input.shape else {
                        throw TensorError.autodiff(reason: "\(n.op) produced grad \(ig.shape) for input \(input.shape)")
                    }
                    if let leaf = input.leaf {
                        try accumulate(leaf: leaf, ig)
                    } else if let key = input.key {
                        grads[key] = try grads[key].map { try $0 + ig } ?? ig
                    }
                }
            }
        }
        node = nil
    }
}

extension Tensor {
    /// The ops recorded in the graph that produced this tensor (for tests and debugging).
    public var recordedOps: Set<Op> {
        var ops = Set<Op>(), seen = Set<ObjectIdentifier>(), stack = node.map { [$0] } ?? []
        while let n = stack.popLast() {
            ops.insert(n.op)
            for input in n.inputs {
                if let child = input.node, seen.insert(ObjectIdentifier(child)).inserted { stack.append(child) }
            }
        }
        return ops
    }

    /// Number of tape nodes alive in the process (tests use it to prove backward frees the tape).
    public static var liveTapeNodes: Int { Node.live.load(ordering: .relaxed) }
}
