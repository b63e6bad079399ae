import Foundation
import Support

/// One metrics entry with its keys in insertion order (the seed writes `val_avg_loss, val_avg_em,
/// val_avg_gen_time, val_avg_gen_len, step_count`). Integer-valued entries (`step_count`) print as integers.
public struct MetricsRecord: Codable, Equatable, Sendable {
    public struct Entry: Codable, Equatable, Sendable {
        public var name: String
        public var value: Double
        public var isInteger: Bool
    }
    public var entries: [Entry] = []

    public init() {}

    public init(_ pairs: KeyValuePairs<String, Double>, integers: Set<String> = ["step_count"]) {
        for (k, v) in pairs { set(k, v, integer: integers.contains(k)) }
    }

    public subscript(name: String) -> Double? { entries.first { $0.name == name }?.value }

    /// Sets `name` (replacing an existing value in place, else appending).
    public mutating func set(_ name: String, _ value: Double, integer: Bool = false) {
        if let i = entries.firstIndex(where: { $0.name == name }) { entries[i].value = value; entries[i].isInteger = integer }
        else { entries.append(Entry(name: name, value: value, isInteger: integer)) }
    }
}

/// The seed's `metrics.json` (rag-end2end-retriever `finetune_rag.py` validation): `{"val": [record, …], "test": […]}`, rewritten whole
/// (atomically: temp file + rename) after each validation. Splits keep their first-use order.
public struct MetricsLog: Codable, Equatable, Sendable {
    public private(set) var splits: [String] = []
    public private(set) var records: [String: [MetricsRecord]] = [:]

    public init() {}

    public mutating func append(_ record: MetricsRecord, split: String = "val") {
        if records[split] == nil { splits.append(split); records[split] = [] }
        records[split]!.append(record)
    }

    /// JSON text with 4-space indentation (Python `json.dump(..., indent=4)` layout).
    public func json() -> String {
        var out = "{"
        for (si, split) in splits.enumerated() {
            out += (si == 0 ? "\n" : ",\n") + "    " + JSON.quote(split) + ": ["
            let recs = records[split] ?? []
            for (ri, r) in recs.enumerated() {
                out += (ri == 0 ? "\n" : ",\n") + "        {"
                for (ei, e) in r.entries.enumerated() {
                    out += (ei == 0 ? "\n" : ",\n") + "            " + JSON.quote(e.name) + ": " + Self.number(e.value, integer: e.isInteger)
                }
                out += r.entries.isEmpty ? "}" : "\n        }"
            }
            out += recs.isEmpty ? "]" : "\n    ]"
        }
        return out + (splits.isEmpty ? "}" : "\n}")
    }

    public func write(to url: URL) throws { try AtomicFiles.write(json(), to: url) }

    static func number(_ v: Double, integer: Bool) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "Infinity" : "-Infinity" }
        if integer, v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
        return v == v.rounded() && abs(v) < 1e16 ? String(format: "%.1f", v) : "\(v)"
    }
}

/// Text files of a training run (metrics.json, curves.svg), written with `AtomicFile`, errors as `TrainError.io`.
public enum AtomicFiles {
    public static func write(_ text: String, to url: URL) throws {
        do { try AtomicFile.write(text, to: url) } catch { throw TrainError.io("\(error)") }
    }
}
