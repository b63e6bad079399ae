import Foundation

/// JSON files read into `Decodable` types (kb.json, optimizer.json, trainer_state.json) with errors a user can
/// act on: which file, and either where its syntax breaks (Foundation's parser gives line and column) or which
/// key is missing, null or of the wrong type, by its path (`encoder.dimension`), instead of `DecodingError`'s
/// debug text.
public enum JSONDecoding {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `file` prefixes the message (nil when the caller's own error names the file already).
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String?) throws -> T {
        let prefix = file.map { "\($0): " } ?? ""
        if let syntax = syntaxError(data) { throw Failure(description: prefix + "not valid JSON: \(syntax)") }
        do { return try JSONDecoder().decode(T.self, from: data) } catch let error as DecodingError {
            throw Failure(description: prefix + describe(error))
        }
    }

    /// Where `data` stops being JSON (e.g. "Unexpected end of file around line 3, column 7."), nil if it is JSON.
    public static func syntaxError(_ data: Data) -> String? {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return nil
        } catch {
            return (error as NSError).userInfo["NSDebugDescription"] as? String ?? error.localizedDescription
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        func kind(_ type: Any.Type) -> String {
            switch type {
            case is Int.Type, is Int64.Type, is UInt64.Type, is Int32.Type: return "an integer"
            case is Double.Type, is Float.Type: return "a number"
            case is String.Type: return "a string"
            case is Bool.Type: return "true or false"
            default: return "\(type)"
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing key \"\(path(context.codingPath + [key]))\""
        case .valueNotFound(let type, let context):
            return "\"\(path(context.codingPath))\" is null; expected \(kind(type))"
        case .typeMismatch(let type, let context):
            return "\"\(path(context.codingPath))\" must be \(kind(type))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? context.debugDescription : "\"\(path(context.codingPath))\": \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
