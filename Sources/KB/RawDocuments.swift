import Foundation
import Support

/// A raw KB row before splitting: pandas nulls are `nil` (rag-end2end-retriever `use_own_knowledge_dataset.py` (raw CSV)).
public struct RawDocument: Equatable, Sendable {
    public var title: String?
    public var text: String?
    public init(title: String?, text: String?) {
        self.title = title
        self.text = text
    }
}

/// Input formats for `RawKB.read`.
public enum RawFormat: String, Sendable, Codable {
    /// The seed's CSV: tab-delimited `title<TAB>text`, no header, `"` quoting as pandas reads it.
    case csv
    /// Plain TSV: one `title<TAB>text` row per line, no quoting, exactly two fields; empty text = no text.
    case tsv
    /// One JSON object per line: `{"title": string|null, "text": string|null}` (title optional).
    case jsonl

    /// `.jsonl` for *.jsonl / *.json, `.tsv` for *.tsv, else `.csv`.
    public static func guess(from url: URL) -> RawFormat {
        switch url.pathExtension.lowercased() {
        case "jsonl", "json": return .jsonl
        case "tsv": return .tsv
        default: return .csv
        }
    }
}

/// What a read found: documents in file order, and the rows skipped as malformed.
public struct RawRead: Sendable {
    public var documents: [RawDocument]
    public var skipped: [MalformedRow]
}

public enum RawKB {
    /// Reads a raw KB file. Malformed rows throw `KBError.malformedRows` (all of them, with line
    /// numbers) unless `skipMalformed`, in which case they are returned in `skipped` and the count is
    /// reported through `log` (the caller's sink; library code never prints).
    public static func read(_ url: URL, format: RawFormat? = nil, skipMalformed: Bool = false,
                            log: ((String) -> Void)? = nil) throws -> RawRead {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw KBError.io(path: url.path, message: FileErrors.reason(error))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw KBError.corrupt(path: url.path, message: "not valid UTF-8")
        }
        let result = try parse(text, format: format ?? RawFormat.guess(from: url), path: url.path,
                               skipMalformed: skipMalformed)
        if !result.skipped.isEmpty {
            log?("\(url.lastPathComponent): skipped \(result.skipped.count) malformed row(s) (lines \(result.skipped.prefix(10).map { String($0.line) }.joined(separator: ", "))\(result.skipped.count > 10 ? ", …" : ""))")
        }
        return result
    }

    public static func parse(_ text: String, format: RawFormat, path: String = "<input>",
                             skipMalformed: Bool = false) throws -> RawRead {
        var bad: [MalformedRow] = []
        var docs: [RawDocument] = []
        switch format {
        case .csv:
            for row in PandasTSV.rows(text, malformed: &bad) {
                switch row.fields.count {
                case 1: docs.append(RawDocument(title: PandasTSV.nullable(row.fields[0]), text: nil))
                case 2: docs.append(RawDocument(title: PandasTSV.nullable(row.fields[0]), text: PandasTSV.nullable(row.fields[1])))
                default: bad.append(MalformedRow(line: row.line, reason: "expected 2 fields, saw \(row.fields.count)"))
                }
            }
        case .tsv:
            for (offset, line) in lines(text).enumerated() where !line.isEmpty {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
                if fields.count != 2 {
                    bad.append(MalformedRow(line: offset + 1, reason: "expected 2 tab-separated fields, saw \(fields.count)"))
                    continue
                }
                docs.append(RawDocument(title: String(fields[0]), text: fields[1].isEmpty ? nil : String(fields[1])))
            }
        case .jsonl:
            for (offset, line) in lines(text).enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                switch jsonRow(line) {
                case .success(let doc): docs.append(doc)
                case .failure(let reason): bad.append(MalformedRow(line: offset + 1, reason: reason.message))
                }
            }
        }
        bad.sort { $0.line < $1.line }
        if !bad.isEmpty && !skipMalformed { throw KBError.malformedRows(path: path, rows: bad) }
        return RawRead(documents: docs, skipped: bad)
    }

    private static func lines(_ text: String) -> [Substring] {
        var t = Substring(text)
        if t.hasPrefix("\u{FEFF}") { t = t.dropFirst() }
        return t.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
    }

    private struct Reason: Error { let message: String }

    private static func jsonRow(_ line: Substring) -> Result<RawDocument, Reason> {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) else {
            return .failure(Reason(message: "not valid JSON"))
        }
        guard let dict = object as? [String: Any] else { return .failure(Reason(message: "not a JSON object")) }
        func field(_ key: String) -> Result<String?, Reason> {
            switch dict[key] {
            case nil, is NSNull: return .success(nil)
            case let s as String: return .success(s)
            default: return .failure(Reason(message: "\"\(key)\" is not a string"))
            }
        }
        guard dict.keys.contains("text") else { return .failure(Reason(message: "missing \"text\"")) }
        return field("title").flatMap { title in field("text").map { RawDocument(title: title, text: $0) } }
    }
}
