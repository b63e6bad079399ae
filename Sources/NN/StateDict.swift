import Tensor

/// Every problem found while loading a state dict, reported together (never only the first).
public struct StateDictError: Error, Equatable, CustomStringConvertible {
    public var missing: [String] = []
    public var unexpected: [String] = []
    /// (name, expected shape, shape in the checkpoint)
    public var wrongShape: [(name: String, expected: [Int], found: [Int])] = []
    public var source: String = ""

    public var isEmpty: Bool { missing.isEmpty && unexpected.isEmpty && wrongShape.isEmpty }

    public static func == (a: StateDictError, b: StateDictError) -> Bool {
        a.missing == b.missing && a.unexpected == b.unexpected && a.source == b.source
            && a.wrongShape.map(\.name) == b.wrongShape.map(\.name)
            && a.wrongShape.map(\.expected) == b.wrongShape.map(\.expected)
            && a.wrongShape.map(\.found) == b.wrongShape.map(\.found)
    }

    public var description: String {
        var lines = ["cannot load state dict\(source.isEmpty ? "" : " from \(source)"):"]
        if !missing.isEmpty { lines.append("  missing (\(missing.count)): " + missing.joined(separator: ", ")) }
        if !unexpected.isEmpty { lines.append("  unexpected (\(unexpected.count)): " + unexpected.joined(separator: ", ")) }
        for w in wrongShape { lines.append("  wrong shape: \(w.name) expects \(w.expected), checkpoint has \(w.found)") }
        return lines.joined(separator: "\n")
    }
}

extension Module {
    /// Parameters and buffers with full names, in registration order. A tensor registered under
    /// several names (tied weights) appears once, under its first name.
    public func stateDict() -> [(name: String, tensor: Tensor)] {
        namedTensors().map { ($0.name, $0.tensor) }
    }

    /// Copies `tensors` into the parameters and buffers (in place: tied tensors stay shared).
    /// Names must match `stateDict()` exactly; all missing, unexpected and wrongly shaped entries are
    /// collected and thrown as one `StateDictError` before anything is written.
    public func loadStateDict(_ tensors: [String: Tensor], source: String = "") throws {
        let own = stateDict()
        var error = StateDictError(source: source)
        let ownNames = Set(own.map(\.name))
        for (name, t) in own {
            guard let value = tensors[name] else { error.missing.append(name); continue }
            if value.shape != t.shape { error.wrongShape.append((name, t.shape, value.shape)) }
        }
        error.unexpected = tensors.keys.filter { !ownNames.contains($0) }.sorted()
        guard error.isEmpty else { throw error }
        for (name, t) in own { if let v = tensors[name] { try t.assign(v) } }
    }
}
