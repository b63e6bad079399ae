import Foundation
import Support

/// Errors of model configuration, loading and saving. Messages name the file, key or tensor.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case config(String)
    case checkpoint(String)
    case input(String)

    public var description: String {
        switch self {
        case .config(let r): return "model config: \(r)"
        case .checkpoint(let r): return "checkpoint: \(r)"
        case .input(let r): return "model input: \(r)"
        }
    }
}

/// Typed reading of a `config.json` object with a closed key set: every key must be read, listed as
/// metadata, or pinned to the one value Ragtime implements; anything else is an error, so a config
/// Ragtime does not support never loads as a silently different model.
public struct ConfigReader {
    let json: [String: Any]
    let source: String
    var seen: Set<String> = []

    /// Keys that never change the computation (bookkeeping of transformers and the hub).
    static let metadataKeys: Set<String> = [
        "architectures", "transformers_version", "dtype", "torch_dtype", "_name_or_path", "model_type",
        "gradient_checkpointing", "use_cache", "id2label", "label2id", "num_labels", "return_dict",
        "output_hidden_states", "output_attentions", "torchscript", "use_bfloat16", "finetuning_task",
        "tokenizer_class", "problem_type", "task_specific_params", "_commit_hash", "_attn_implementation",
        "cross_attention_hidden_size", "bos_token_id", "eos_token_id", "sep_token_id", "classifier_dropout",
        "pruned_heads", "chunk_size_feed_forward", "tie_encoder_decoder", "prefix",
    ]

    init(json: [String: Any], source: String) {
        self.json = json
        self.source = source
    }

    /// The JSON object of a config file; unreadable, malformed (with Foundation's position) or non-object
    /// files are `ModelError.config` naming the file.
    public static func load(_ url: URL) throws -> [String: Any] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError.config("cannot read \(url.path): \(FileErrors.reason(error))")
        }
        if let detail = JSONDecoding.syntaxError(data) {   // with the position ("around line 3, column 7")
            throw ModelError.config("\(url.path): malformed JSON: \(detail)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) else {
            throw ModelError.config("\(url.path) is not a JSON object")
        }
        guard let dict = object as? [String: Any] else { throw ModelError.config("\(url.path) is not a JSON object") }
        return dict
    }

    private func fail(_ key: String, _ what: String) -> ModelError {
        ModelError.config("\(source): \"\(key)\" \(what)")
    }

    mutating func int(_ key: String, _ fallback: Int) throws -> Int {
        seen.insert(key)
        guard let raw = json[key], !(raw is NSNull) else { return fallback }
        guard let n = raw as? NSNumber, n.doubleValue == n.doubleValue.rounded() else {
            throw fail(key, "must be an integer, got \(raw)")
        }
        return try fitting(key, n)
    }

    /// The Int value of a whole JSON number, or an error naming it when it does not fit 64 bits (NSNumber's
    /// intValue would wrap 2^64 to 0).
    private func fitting(_ key: String, _ n: NSNumber) throws -> Int {
        let d = n.doubleValue
        guard d >= -0x1p63 && d < 0x1p63 else { throw fail(key, "\(n.stringValue) does not fit a 64-bit integer") }
        return Int(n.int64Value)
    }

    mutating func optionalInt(_ key: String, _ fallback: Int?) throws -> Int? {
        seen.insert(key)
        guard let raw = json[key] else { return fallback }
        if raw is NSNull { return nil }
        guard let n = raw as? NSNumber, n.doubleValue == n.doubleValue.rounded() else {
            throw fail(key, "must be an integer or null, got \(raw)")
        }
        return try fitting(key, n)
    }

    mutating func double(_ key: String, _ fallback: Double) throws -> Double {
        seen.insert(key)
        guard let raw = json[key], !(raw is NSNull) else { return fallback }
        guard let n = raw as? NSNumber else { throw fail(key, "must be a number, got \(raw)") }
        return n.doubleValue
    }

    mutating func bool(_ key: String, _ fallback: Bool) throws -> Bool {
        seen.insert(key)
        guard let raw = json[key], !(raw is NSNull) else { return fallback }
        guard let b = raw as? Bool else { throw fail(key, "must be true or false, got \(raw)") }
        return b
    }

    mutating func string(_ key: String, _ fallback: String) throws -> String {
        seen.insert(key)
        guard let raw = json[key], !(raw is NSNull) else { return fallback }
        guard let s = raw as? String else { throw fail(key, "must be a string, got \(raw)") }
        return s
    }

    /// A key Ragtime implements only with one value (e.g. `hidden_act` = "gelu").
    mutating func require<T: Equatable>(_ key: String, equals expected: T, read: (inout ConfigReader) throws -> T) throws {
        let value = try read(&self)
        guard value == expected else { throw fail(key, "= \(value) is not supported (Ragtime implements \(expected) only)") }
    }

    /// Throws for every key that was neither read nor metadata.
    func finish(extraIgnored: Set<String> = []) throws {
        let unknown = json.keys.filter { !seen.contains($0) && !Self.metadataKeys.contains($0) && !extraIgnored.contains($0) }
        guard unknown.isEmpty else {
            throw ModelError.config("\(source): unsupported field(s) \(unknown.sorted().joined(separator: ", "))")
        }
    }
}

/// Writes a config dictionary as transformers does (sorted keys, indent 2, trailing newline). Floats
/// always carry a decimal point or exponent: transformers 5 rejects `0` where a float field is declared.
func writeConfigJSON(_ dict: [String: Any], to url: URL) throws {
    let text = jsonText(dict, indent: 0) + "\n"
    do { try AtomicFile.write(text, to: url) } catch {
        throw ModelError.checkpoint("cannot write \(url.path): \(FileErrors.reason(error))")
    }
}

func jsonText(_ value: Any, indent: Int) -> String {
    let pad = String(repeating: " ", count: indent + 2), close = String(repeating: " ", count: indent)
    switch value {
    case is NSNull: return "null"
    case let b as Bool: return b ? "true" : "false"
    case let i as Int: return String(i)
    case let d as Double:
        if d == d.rounded() && abs(d) < 1e15 { return String(format: "%.1f", d) }
        return "\(d)"
    case let s as String:
        let data = (try? JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    case let a as [Any]:
        if a.isEmpty { return "[]" }
        return "[\n" + a.map { pad + jsonText($0, indent: indent + 2) }.joined(separator: ",\n") + "\n" + close + "]"
    case let d as [String: Any]:
        if d.isEmpty { return "{}" }
        let items = d.keys.sorted().map { pad + jsonText($0, indent: indent + 2) + ": " + jsonText(d[$0] as Any, indent: indent + 2) }
        return "{\n" + items.joined(separator: ",\n") + "\n" + close + "}"
    default: return "\(value)"
    }
}
