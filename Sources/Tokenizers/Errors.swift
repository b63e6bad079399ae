import Foundation
import Support

/// Errors thrown while loading, saving or training a tokenizer. Every file problem names the file (as the
/// caller spelled it: a relative URL stays relative) and, where it has one, the 1-based line.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// A file that is not valid UTF-8 (line = first line holding an invalid byte sequence).
    case invalidUTF8(file: String, line: Int)
    /// A vocabulary file or `model.vocab` with no entries.
    case emptyVocabulary(file: String)
    /// A merges line that is not two space-separated symbols (or names a symbol missing from the vocab).
    case malformedMerge(file: String, line: Int, text: String)
    /// A tokenizer.json component of a type Ragtime does not implement (model, normalizer, ...).
    case unsupportedComponent(file: String, line: Int, component: String, type: String)
    /// Any other structural problem in a file (missing key, wrong JSON type, duplicate id, ...).
    case malformedFile(file: String, line: Int?, reason: String)
    /// A directory holding none of tokenizer.json, vocab.txt, vocab.json + merges.txt.
    case noTokenizerFiles(directory: String)
    /// A token the configuration needs (e.g. `[UNK]`, `[CLS]`) missing from the vocabulary.
    case missingToken(file: String, token: String, role: String)
    /// An id outside the vocabulary passed to `decode`.
    case unknownId(Int, vocabSize: Int)
    /// Training input or options that cannot produce a vocabulary.
    case training(String)
    /// A call with inconsistent arguments (e.g. a batch with a different number of pairs than texts).
    case invalidArgument(String)
    /// An I/O failure (unreadable or unwritable path).
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidUTF8(file, line): return "\(file):\(line): invalid UTF-8"
        case let .emptyVocabulary(file): return "\(file):1: empty vocabulary"
        case let .malformedMerge(file, line, text):
            return "\(file):\(line): malformed merge line \(String(reflecting: text)) (expected two symbols of the vocabulary separated by one space)"
        case let .unsupportedComponent(file, line, component, type):
            return "\(file):\(line): unsupported \(component) type \"\(type)\""
        case let .malformedFile(file, line, reason):
            return line.map { "\(file):\($0): \(reason)" } ?? "\(file): \(reason)"
        case let .noTokenizerFiles(directory):
            return "\(directory): no tokenizer.json, vocab.txt or vocab.json + merges.txt"
        case let .missingToken(file, token, role): return "\(file): \(role) token \"\(token)\" is not in the vocabulary"
        case let .unknownId(id, vocabSize): return "token id \(id) is outside the vocabulary (size \(vocabSize))"
        case let .training(reason): return "tokenizer training: \(reason)"
        case let .invalidArgument(reason): return reason
        case let .io(path, reason): return "\(path): \(reason)"
        }
    }
}

/// File reading helpers that turn Foundation failures and bad bytes into `TokenizerError`s.
enum TextFile {
    static func readData(_ url: URL) throws -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw TokenizerError.io(path: url.relativePath, reason: "cannot read (\(FileErrors.reason(error)))")
        }
    }

    /// The file as a String; invalid UTF-8 is an error naming the first bad line.
    static func readString(_ url: URL) throws -> String {
        try decodeUTF8(readData(url), file: url.relativePath)
    }

    static func decodeUTF8(_ data: Data, file: String) throws -> String {
        if let s = String(validating: data, as: UTF8.self) { return s }
        throw TokenizerError.invalidUTF8(file: file, line: firstInvalidUTF8Line(data))
    }

    /// 1-based line number of the first line whose bytes are not valid UTF-8.
    static func firstInvalidUTF8Line(_ data: Data) -> Int {
        var line = 1
        var start = data.startIndex
        while start < data.endIndex {
            let end = data[start...].firstIndex(of: 0x0A) ?? data.endIndex
            if String(validating: data[start..<end], as: UTF8.self) == nil { return line }
            line += 1
            start = end < data.endIndex ? data.index(after: end) : end
        }
        return line
    }

    /// 1-based line of the first occurrence of `needle` at or after the first occurrence of `after`.
    static func line(of needle: String, after anchor: String? = nil, in text: String) -> Int {
        var searchStart = text.startIndex
        if let anchor, let r = text.range(of: anchor) { searchStart = r.lowerBound }
        guard let r = text.range(of: needle, range: searchStart..<text.endIndex) else { return 1 }
        return text[..<r.lowerBound].utf8.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
    }

    static func write(_ string: String, to url: URL) throws {
        do { try AtomicFile.write(string, to: url) } catch {
            throw TokenizerError.io(path: url.relativePath, reason: "cannot write (\(FileErrors.reason(error)))")
        }
    }
}
