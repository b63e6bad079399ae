import Tensor

/// A node of a model tree whose parameters carry their Hugging Face names.
///
/// Each module lists its direct parameters, buffers and children under one name component each, in
/// registration order (the order transformers' `state_dict` uses); full names are the dot-joined path:
///
///     final class Block: Module {
///         let dense: Linear
///         init(...) { dense = try Linear(...); super.init() }
///         override var entries: [ModuleEntry] { [.child("dense", dense)] }
///     }
///     block.namedParameters()   // [("dense.weight", w), ("dense.bias", b)]
///
/// The names are a table in code (the `entries` of each class), not string surgery; tests compare the
/// flattened list with the key list of a real checkpoint.
open class Module {
    /// Training mode (dropout active). `train()` / `eval()` set it on the whole subtree.
    public private(set) var isTraining = true

    public init() {}

    /// Direct parameters, buffers and children, in registration order. Subclasses override.
    open var entries: [ModuleEntry] { [] }

    public func train() { setTraining(true) }
    public func eval() { setTraining(false) }

    private func setTraining(_ on: Bool) {
        isTraining = on
        for case .child(_, let m) in entries { m.setTraining(on) }
    }

    /// Every tensor of the subtree with its full name: parameters and (if `buffers`) buffers, in
    /// registration order. A tensor registered under several names (tied weights) is listed once, under
    /// its first name, unless `aliases` is true.
    public func namedTensors(buffers: Bool = true, aliases: Bool = false) -> [(name: String, tensor: Tensor, isBuffer: Bool)] {
        var seen = Set<ObjectIdentifier>()
        return allTensors(prefix: "").filter { (buffers || !$0.isBuffer) && (aliases || seen.insert(ObjectIdentifier($0.tensor)).inserted) }
    }

    private func allTensors(prefix: String) -> [(name: String, tensor: Tensor, isBuffer: Bool)] {
        var out: [(name: String, tensor: Tensor, isBuffer: Bool)] = []
        for e in entries {
            switch e {
            case .parameter(let n, let t): out.append((prefix + n, t, false))
            case .buffer(let n, let t): out.append((prefix + n, t, true))
            case .child(let n, let m): out += m.allTensors(prefix: prefix + n + ".")
            }
        }
        return out
    }

    /// Trainable parameters with full names, in registration order.
    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        namedTensors(buffers: false).map { ($0.name, $0.tensor) }
    }

    public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// Number of trainable scalars (tied tensors counted once).
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    /// Clears `.grad` of every parameter.
    public func zeroGrad() { for p in parameters() { p.zeroGrad() } }
}

/// One registration of a module: a trainable parameter, a saved non-trainable buffer, or a child.
public enum ModuleEntry {
    case parameter(String, Tensor)
    case buffer(String, Tensor)
    case child(String, Module)
}

/// A list of same-typed children named "0", "1", ... (PyTorch `ModuleList`).
public final class ModuleList<M: Module>: Module {
    public let items: [M]
    public init(_ items: [M]) { self.items = items; super.init() }
    override public var entries: [ModuleEntry] { items.enumerated().map { .child(String($0.offset), $0.element) } }
}

/// Makes a leaf tensor a trainable parameter.
@discardableResult
public func parameter(_ t: Tensor) -> Tensor {
    t.requiresGrad = true
    return t
}

/// A name-only node of the tree (e.g. BERT's `attention.self`): groups entries, computes nothing.
public final class Namespace: Module {
    private let items: [ModuleEntry]
    public init(_ items: [ModuleEntry]) { self.items = items; super.init() }
    override public var entries: [ModuleEntry] { items }
}
