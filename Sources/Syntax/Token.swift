/// One lexical token. Operators and punctuation are identified by their `text` (e.g. `"**"`, `"{"`);
/// literals carry their decoded payload.
public struct Token: Sendable {
    public enum Kind: Hashable, Sendable {
        case identifier
        case keyword
        case int
        case float
        case string
        case op
        case newline
        case eof
    }

    public var kind: Kind
    public var text: String
    public var location: SourceLocation
    public var intValue: Int = 0
    public var floatValue: Double = 0
    /// For `.string`: literal text pieces and `{expr}` interpolations (raw code + where it starts).
    public var segments: [StringSegment] = []

    public init(kind: Kind, text: String, location: SourceLocation) {
        self.kind = kind
        self.text = text
        self.location = location
    }

    public func isOp(_ symbol: String) -> Bool { kind == .op && text == symbol }
    public func isKeyword(_ word: String) -> Bool { kind == .keyword && text == word }

    /// How the token is named in "expected X, found Y" messages.
    public var display: String {
        switch kind {
        case .newline: return "end of line"
        case .eof: return "end of input"
        case .string: return "string literal"
        case .identifier: return "name '\(text)'"
        default: return "'\(text)'"
        }
    }
}

/// A piece of a string literal before parsing its interpolations.
public enum StringSegment: Sendable {
    case text(String)
    case code(String, SourceLocation)
}

public enum Keywords {
    public static let all: Set<String> = [
        "fn", "return", "if", "elif", "else", "while", "for", "in", "break", "continue",
        "import", "and", "or", "not", "true", "false", "nil",
    ]
}
