/// A syntax error; `isIncomplete` marks errors caused only by the input ending too early (an open
/// bracket, block or string), which the REPL answers with a continuation prompt.
public struct SyntaxError: Error, Sendable {
    public var diagnostic: Diagnostic
    public var isIncomplete: Bool
}

/// Turns source text into tokens. Newlines are tokens (they end statements) except directly inside
/// `(...)` or `[...]`; inside `{...}` they stay significant, since braces delimit blocks.
public struct Lexer {
    private let scalars: [Unicode.Scalar]
    private let file: String
    private var index = 0
    private var line: Int
    private var column: Int
    /// Open brackets, innermost last: "(", "[" or "{".
    private var brackets: [Unicode.Scalar] = []
    /// Where each open bracket is, parallel to `brackets`.
    public private(set) var openBrackets: [(bracket: String, location: SourceLocation)] = []

    private static let twoCharOps: Set<String> = ["**", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/="]
    private static let oneCharOps: Set<Unicode.Scalar> = [
        "+", "-", "*", "/", "%", "@", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ":", ";", ".",
    ]

    public init(source: String, file: String, line: Int = 1, column: Int = 1) {
        self.scalars = Array(source.unicodeScalars)
        self.file = file
        self.line = line
        self.column = column
    }

    /// All tokens, ending with `.eof`.
    public mutating func tokenize() throws(SyntaxError) -> [Token] {
        var tokens: [Token] = []
        while true {
            let token = try next()
            tokens.append(token)
            if token.kind == .eof { return tokens }
        }
    }

    private var here: SourceLocation { SourceLocation(file: file, line: line, column: column) }
    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private mutating func advance() -> Unicode.Scalar {
        let scalar = scalars[index]
        index += 1
        if scalar == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        return scalar
    }

    private func fail(_ message: String, at location: SourceLocation, incomplete: Bool = false) -> SyntaxError {
        SyntaxError(diagnostic: Diagnostic(message, at: location), isIncomplete: incomplete)
    }

    private mutating func next() throws(SyntaxError) -> Token {
        skipSpaceAndComments()
        let start = here
        guard let scalar = peek() else { return Token(kind: .eof, text: "", location: start) }
        if scalar == "\n" {
            _ = advance()
            return Token(kind: .newline, text: "\n", location: start)
        }
        if scalar.properties.isAlphabetic || scalar == "_" { return identifier(start) }
        if ("0"..."9").contains(scalar) { return try number(start) }
        if scalar == "\"" || scalar == "'" { return try string(start) }
        if let second = peek(1), Lexer.twoCharOps.contains(String(scalar) + String(second)) {
            _ = advance()
            _ = advance()
            return Token(kind: .op, text: String(scalar) + String(second), location: start)
        }
        if Lexer.oneCharOps.contains(scalar) {
            _ = advance()
            trackBracket(scalar, at: start)
            return Token(kind: .op, text: String(scalar), location: start)
        }
        throw fail("unexpected character '\(scalar)'", at: start)
    }

    /// Skips blanks and comments; skips newlines too while directly inside `(` or `[`.
    private mutating func skipSpaceAndComments() {
        while let scalar = peek() {
            if scalar == " " || scalar == "\t" || scalar == "\r" {
                _ = advance()
            } else if scalar == "#" {
                while let c = peek(), c != "\n" { _ = advance() }
            } else if scalar == "\n", let open = brackets.last, open != "{" {
                _ = advance()
            } else {
                return
            }
        }
    }

    private mutating func trackBracket(_ scalar: Unicode.Scalar, at location: SourceLocation) {
        switch scalar {
        case "(", "[", "{":
            brackets.append(scalar)
            openBrackets.append((String(scalar), location))
        case ")", "]", "}":
            if !brackets.isEmpty {
                brackets.removeLast()
                openBrackets.removeLast()
            }
        default: break
        }
    }

    private mutating func identifier(_ start: SourceLocation) -> Token {
        var text = ""
        while let c = peek(), c.properties.isAlphabetic || c == "_" || ("0"..."9").contains(c) {
            text.unicodeScalars.append(advance())
        }
        return Token(kind: Keywords.all.contains(text) ? .keyword : .identifier, text: text, location: start)
    }

    private mutating func number(_ start: SourceLocation) throws(SyntaxError) -> Token {
        var text = ""
        var isFloat = false
        func isDigit(_ c: Unicode.Scalar?) -> Bool { c.map { ("0"..."9").contains($0) } ?? false }
        while isDigit(peek()) || peek() == "_" {
            let c = advance()
            if c != "_" { text.unicodeScalars.append(c) }
        }
        if peek() == ".", isDigit(peek(1)) {
            isFloat = true
            text.unicodeScalars.append(advance())
            while isDigit(peek()) { text.unicodeScalars.append(advance()) }
        }
        if peek() == "e" || peek() == "E" {
            let signed = peek(1) == "+" || peek(1) == "-"
            if isDigit(peek(signed ? 2 : 1)) {
                isFloat = true
                text.unicodeScalars.append(advance())
                if signed { text.unicodeScalars.append(advance()) }
                while isDigit(peek()) { text.unicodeScalars.append(advance()) }
            }
        }
        if let c = peek(), c.properties.isAlphabetic || c == "_" {
            throw fail("invalid number literal: unexpected '\(c)' after '\(text)'", at: here)
        }
        var token = Token(kind: isFloat ? .float : .int, text: text, location: start)
        if isFloat {
            guard let value = Double(text) else { throw fail("invalid number literal '\(text)'", at: start) }
            token.floatValue = value
        } else {
            guard let value = Int(text) else { throw fail("integer literal '\(text)' is too large", at: start) }
            token.intValue = value
        }
        return token
    }

    /// A quoted string (may span lines) with escapes and `{expr}` interpolation; `\{` is a literal brace.
    private mutating func string(_ start: SourceLocation) throws(SyntaxError) -> Token {
        let quote = advance()
        var segments: [StringSegment] = []
        var text = ""
        while true {
            guard let c = peek() else {
                throw fail("unterminated string literal", at: start, incomplete: true)
            }
            if c == quote {
                _ = advance()
                break
            }
            if c == "\\" {
                text.unicodeScalars.append(try escape())
            } else if c == "{" {
                if !text.isEmpty { segments.append(.text(text)) }
                text = ""
                segments.append(try interpolation())
            } else {
                text.unicodeScalars.append(advance())
            }
        }
        if !text.isEmpty || segments.isEmpty { segments.append(.text(text)) }
        var token = Token(kind: .string, text: "string", location: start)
        token.segments = segments
        return token
    }

    private mutating func escape() throws(SyntaxError) -> Unicode.Scalar {
        let location = here
        _ = advance()
        guard let c = peek() else { throw fail("unterminated string literal", at: location, incomplete: true) }
        _ = advance()
        switch c {
        case "n": return "\n"
        case "t": return "\t"
        case "r": return "\r"
        case "0": return "\0"
        case "\\", "\"", "'", "{", "}": return c
        default: throw fail("unknown escape sequence '\\\(c)'", at: location)
        }
    }

    /// The raw code between `{` and its matching `}`; nested strings and braces are skipped over.
    private mutating func interpolation() throws(SyntaxError) -> StringSegment {
        let open = here
        _ = advance()
        let codeStart = here
        var code = ""
        var depth = 0
        var quote: Unicode.Scalar? = nil
        while true {
            guard let c = peek() else {
                throw fail("unterminated interpolation in string literal", at: open, incomplete: true)
            }
            if let q = quote {
                if c == "\\", peek(1) != nil { code.unicodeScalars.append(advance()) } else if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "{" {
                depth += 1
            } else if c == "}" {
                if depth == 0 { break }
                depth -= 1
            }
            code.unicodeScalars.append(advance())
        }
        _ = advance()
        if code.allSatisfy({ $0 == " " }) { throw fail("empty interpolation '{}' in string literal", at: open) }
        return .code(code, codeStart)
    }
}
