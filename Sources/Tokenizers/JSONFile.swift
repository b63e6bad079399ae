import Foundation

/// A parsed JSON file with typed accessors whose errors name the file and the line of the key.
struct JSONFile {
    let path: String
    let text: String
    let root: [String: Any]

    init(url: URL) throws {
        path = url.path
        let data = try TextFile.readData(url)
        text = try TextFile.decodeUTF8(data, file: path)
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            throw TokenizerError.malformedFile(file: path, line: nil, reason: "not valid JSON (\(error.localizedDescription))")
        }
        guard let dict = object as? [String: Any] else {
            throw TokenizerError.malformedFile(file: path, line: 1, reason: "expected a JSON object at the top level")
        }
        root = dict
    }

    func line(ofKey key: String, after anchor: String? = nil) -> Int {
        TextFile.line(of: "\"\(key)\"", after: anchor.map { "\"\($0)\"" }, in: text)
    }

    func fail(_ key: String, _ reason: String, after anchor: String? = nil) -> TokenizerError {
        .malformedFile(file: path, line: line(ofKey: key, after: anchor), reason: reason)
    }

    /// `obj[key]` as T; nil if absent or JSON null; an error if present with another type.
    func optional<T>(_ obj: [String: Any], _ key: String, _: T.Type, in section: String? = nil) throws -> T? {
        guard let v = obj[key], !(v is NSNull) else { return nil }
        guard let t = v as? T else { throw fail(key, "\"\(key)\" has the wrong JSON type", after: section) }
        return t
    }

    func required<T>(_ obj: [String: Any], _ key: String, _ type: T.Type, in section: String? = nil) throws -> T {
        guard let v = try optional(obj, key, type, in: section) else {
            throw TokenizerError.malformedFile(file: path, line: section.map { line(ofKey: $0) }, reason: "missing key \"\(key)\"" + (section.map { " in \"\($0)\"" } ?? ""))
        }
        return v
    }

    /// A `{token: id}` map as a dense id -> token array (ids must be exactly 0 ..< count).
    func denseVocab(_ map: [String: Any], key: String) throws -> [String] {
        guard !map.isEmpty else { throw TokenizerError.emptyVocabulary(file: path) }
        var table = [String?](repeating: nil, count: map.count)
        for (token, value) in map {
            guard let n = value as? NSNumber, let id = Optional(n.intValue), id >= 0, id < map.count else {
                throw fail(token, "vocabulary id of \(String(reflecting: token)) is not in 0..<\(map.count)", after: key)
            }
            if let other = table[id] {
                throw fail(token, "tokens \(String(reflecting: other)) and \(String(reflecting: token)) share id \(id)", after: key)
            }
            table[id] = token
        }
        return table.map { $0! }
    }
}
