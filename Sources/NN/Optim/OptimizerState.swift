import Foundation
import Support
import Tensor

/// Saving and restoring optimizer and scheduler state for exact resume:
/// `<dir>/optimizer.safetensors` (keys `exp_avg.<param name>`, `exp_avg_sq.<param name>`, float32, exact)
/// and `<dir>/optimizer.json` (hyperparameters, current learning rate, per-parameter step counts).
extension AdamW {
    public struct SavedState: Codable, Equatable, Sendable {
        public var hyperparameters: Hyperparameters
        public var learningRate: Double
        public var names: [String]
        public var stepCounts: [Int]
    }

    public var savedState: SavedState {
        SavedState(hyperparameters: hyperparameters, learningRate: learningRate, names: parameters.map(\.name), stepCounts: stepCounts)
    }

    /// The moment tensors under `exp_avg.<name>` / `exp_avg_sq.<name>` (parameters never updated are absent).
    public func stateTensors() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (i, p) in parameters.enumerated() {
            if let m = expAvg[i], let v = expAvgSq[i] {
                out["exp_avg." + p.name] = m
                out["exp_avg_sq." + p.name] = v
            }
        }
        return out
    }

    /// Saves `optimizer.safetensors` and `optimizer.json` into `directory` (created if missing) atomically:
    /// both or neither; other files in the folder are kept.
    public func save(to directory: URL) throws {
        do {
            try AtomicFolder.update(directory, owns: ["optimizer.safetensors", "optimizer.json"]) { temp in
                try SafeTensors.write(stateTensors(), to: temp.appendingPathComponent("optimizer.safetensors"), metadata: ["format": "ragtime-adamw"])
                try JSONFiles.write(savedState, to: temp.appendingPathComponent("optimizer.json"))
            }
        } catch let failure as AtomicFolder.Failure {
            throw OptimError.state(failure.description)
        }
    }

    /// Restores state saved by `save(to:)` from an optimizer over the same named parameters with the same
    /// hyperparameters; any difference (names, order, shapes, hyperparameters, missing moments) throws.
    public func load(from directory: URL) throws {
        let saved: SavedState = try JSONFiles.read(directory.appendingPathComponent("optimizer.json"))
        let tensors = try SafeTensors.read(directory.appendingPathComponent("optimizer.safetensors"))
        try restore(saved, tensors: tensors, source: directory.path)
    }

    public func restore(_ saved: SavedState, tensors: [String: Tensor], source: String = "") throws {
        let names = parameters.map(\.name)
        guard saved.names == names else {
            let missing = Set(names).subtracting(saved.names).sorted(), extra = Set(saved.names).subtracting(names).sorted()
            throw OptimError.state("\(source): parameter list differs (missing in state: \(missing.prefix(5)), unexpected: \(extra.prefix(5))\(missing.isEmpty && extra.isEmpty ? ", same names in another order" : ""))")
        }
        guard saved.hyperparameters == hyperparameters else {
            throw OptimError.state("\(source): saved hyperparameters \(saved.hyperparameters) differ from this optimizer's \(hyperparameters)")
        }
        guard saved.stepCounts.count == names.count else { throw OptimError.state("\(source): \(saved.stepCounts.count) step counts for \(names.count) parameters") }
        var m: [Tensor?] = [], v: [Tensor?] = []
        for (i, p) in parameters.enumerated() {
            let a = tensors["exp_avg." + p.name], b = tensors["exp_avg_sq." + p.name]
            if saved.stepCounts[i] == 0 {
                guard a == nil, b == nil else { throw OptimError.state("\(source): moments for \(p.name), which has step count 0") }
                m.append(nil); v.append(nil); continue
            }
            guard let a, let b else { throw OptimError.state("\(source): missing exp_avg/exp_avg_sq for \(p.name)") }
            guard a.shape == p.tensor.shape, b.shape == p.tensor.shape else {
                throw OptimError.state("\(source): moments of \(p.name) have shape \(a.shape), parameter \(p.tensor.shape)")
            }
            m.append(a.copied()); v.append(b.copied())
        }
        let known = Set(names.flatMap { ["exp_avg." + $0, "exp_avg_sq." + $0] })
        if let stray = tensors.keys.first(where: { !known.contains($0) }) { throw OptimError.state("\(source): unexpected tensor \(stray)") }
        expAvg = m
        expAvgSq = v
        stepCounts = saved.stepCounts
        learningRate = saved.learningRate
    }
}

/// Small JSON helpers for state files: sorted keys, atomic writes, errors naming the file.
public enum JSONFiles {
    public static func write<T: Encodable>(_ value: T, to url: URL) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data: Data
        do { data = try enc.encode(value) } catch { throw OptimError.state("cannot encode \(url.lastPathComponent): \(error)") }
        do { try AtomicFile.write(data, to: url) } catch {
            throw OptimError.state("cannot write \(url.path): \(FileErrors.reason(error))")
        }
    }

    public static func read<T: Decodable>(_ url: URL) throws -> T {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw OptimError.state("cannot read \(url.path): \(FileErrors.reason(error))") }
        do { return try JSONDecoding.decode(T.self, from: data, file: url.path) } catch {
            throw OptimError.state("\(error)")
        }
    }
}

extension RNG.State: Codable {
    // Words and the cached normal as hex bit patterns: exact through JSON.
    private enum Keys: String, CodingKey { case words, spareNormal }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let hex = try c.decode([String].self, forKey: .words)
        let words = hex.compactMap { UInt64($0, radix: 16) }
        guard words.count == 4, hex.count == 4 else {
            throw DecodingError.dataCorruptedError(forKey: .words, in: c, debugDescription: "need 4 hex words, got \(hex)")
        }
        var spare: Double?
        if let s = try c.decodeIfPresent(String.self, forKey: .spareNormal) {
            guard let bits = UInt64(s, radix: 16) else {
                throw DecodingError.dataCorruptedError(forKey: .spareNormal, in: c, debugDescription: "bad hex \(s)")
            }
            spare = Double(bitPattern: bits)
        }
        self.init(words: words, spareNormal: spare)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(words.map { String($0, radix: 16) }, forKey: .words)
        try c.encodeIfPresent(spareNormal.map { String($0.bitPattern, radix: 16) }, forKey: .spareNormal)
    }
}

extension Module {
    /// The distinct random generators of the subtree's `Dropout` modules, named by the first module path
    /// that uses each (generators are often shared by all dropouts of a model). For resumable training.
    public func dropoutGenerators() -> [(name: String, generator: RNG)] {
        var seen = Set<ObjectIdentifier>()
        var out: [(name: String, generator: RNG)] = []
        func walk(_ m: Module, _ path: String) {
            if let d = m as? Dropout, seen.insert(ObjectIdentifier(d.generator)).inserted { out.append((path, d.generator)) }
            for case .child(let n, let c) in m.entries { walk(c, path.isEmpty ? n : path + "." + n) }
        }
        walk(self, "")
        return out
    }
}
