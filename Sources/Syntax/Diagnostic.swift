/// A located, user-facing error from the lexer or parser (or, via `Runtime`, from evaluation).
///
/// Rendered as
/// ```
/// file:line:col: error: message
///     x = (1 +
///             ^
/// ```
public struct Diagnostic: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var location: SourceLocation

    public init(_ message: String, at location: SourceLocation) {
        self.message = message
        self.location = location
    }

    public var description: String { "\(location): error: \(message)" }

    /// The header line followed by the offending source line and a caret under the column.
    public func rendered(source: String?) -> String {
        var text = description
        if let source, let excerpt = Diagnostic.excerpt(source: source, location: location) {
            text += "\n" + excerpt
        }
        return text
    }

    /// `    <line>\n    ^` for a location inside `source`, or nil if the line does not exist.
    public static func excerpt(source: String, location: SourceLocation) -> String? {
        guard let line = sourceLine(source, location.line) else { return nil }
        let expanded = line.replacingTabs()
        let caretColumn = max(1, min(location.column, expanded.count + 1))
        return "    " + expanded + "\n    " + String(repeating: " ", count: caretColumn - 1) + "^"
    }

    /// The 1-based `line` of `source` without its newline.
    public static func sourceLine(_ source: String, _ line: Int) -> String? {
        guard line >= 1 else { return nil }
        var current = 1
        var start = source.unicodeScalars.startIndex
        let scalars = source.unicodeScalars
        var index = start
        while index < scalars.endIndex {
            if scalars[index] == "\n" {
                if current == line { return String(scalars[start..<index]) }
                current += 1
                start = scalars.index(after: index)
            }
            index = scalars.index(after: index)
        }
        return current == line ? String(scalars[start..<scalars.endIndex]) : nil
    }
}

extension String {
    /// Tabs become single spaces so the caret column (counted in scalars) lines up.
    fileprivate func replacingTabs() -> String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0 == "\t" ? " " : $0 }))
    }
}
