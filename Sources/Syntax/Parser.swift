/// The outcome of parsing one source text.
public enum ParseResult: Sendable {
    case success(Program)
    /// The input ended inside an open bracket, block, string or statement; more lines may complete it.
    case incomplete(Diagnostic)
    case failure(Diagnostic)
}

/// Recursive-descent parser over the token list. Grammar productions are written above each parse
/// function (Parser+Statements.swift, Parser+Expressions.swift). The first error stops parsing.
public struct Parser {
    var tokens: [Token]
    var position = 0
    /// Bracket/expression nesting, bounded so hostile input cannot exhaust the stack.
    var depth = 0
    static let maxDepth = 128
    /// Depth of the expression tree being built: nesting plus the left-deep chains of binary operators, calls,
    /// members and indexing (`1 + 1 + ... + 1` is a tree as deep as it is long, and evaluating it recurses that
    /// deep), bounded so a long flat expression is a syntax error instead of a stack overflow.
    var treeDepth = 0
    static let maxTreeDepth = 1000
    /// Enclosing loops and functions of the statement being parsed (break/continue need a loop in
    /// the same function, return needs a function).
    var loopDepth = 0
    var functionDepth = 0

    /// Parses a whole source text.
    public static func parse(source: String, file: String) -> ParseResult {
        var lexer = Lexer(source: source, file: file)
        do {
            var parser = Parser(tokens: try lexer.tokenize())
            return .success(Program(statements: try parser.program()))
        } catch {
            guard error.isIncomplete else { return .failure(error.diagnostic) }
            // Input ended too early: cite the innermost bracket still open, if any.
            if let open = lexer.openBrackets.last, error.diagnostic.message != "unterminated string literal" {
                return .incomplete(Diagnostic("'\(open.bracket)' is never closed", at: open.location))
            }
            return .incomplete(error.diagnostic)
        }
    }

    init(tokens: [Token]) {
        self.tokens = tokens
    }

    // MARK: token stream helpers

    var current: Token { tokens[position] }
    func peekToken(_ offset: Int = 1) -> Token { tokens[min(position + offset, tokens.count - 1)] }

    @discardableResult
    mutating func advance() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    mutating func match(_ symbol: String) -> Bool {
        if current.isOp(symbol) {
            advance()
            return true
        }
        return false
    }

    mutating func matchKeyword(_ word: String) -> Bool {
        if current.isKeyword(word) {
            advance()
            return true
        }
        return false
    }

    @discardableResult
    mutating func expect(_ symbol: String, _ context: String) throws(SyntaxError) -> Token {
        guard current.isOp(symbol) else { throw error("expected '\(symbol)' \(context), found \(current.display)") }
        return advance()
    }

    mutating func expectIdentifier(_ context: String) throws(SyntaxError) -> Token {
        guard current.kind == .identifier else {
            let found = current.kind == .keyword ? "keyword '\(current.text)'" : current.display
            throw error("expected a name \(context), found \(found)")
        }
        return advance()
    }

    mutating func skipNewlines() {
        while current.kind == .newline { advance() }
    }

    /// An error at the current token; at end of input it is an "incomplete" error, placed at the last
    /// real token so the caret lands on a visible line.
    func error(_ message: String) -> SyntaxError {
        guard current.kind == .eof else {
            return SyntaxError(diagnostic: Diagnostic(message, at: current.location), isIncomplete: false)
        }
        let last = tokens[..<position].last { $0.kind != .newline }
        return SyntaxError(diagnostic: Diagnostic(message, at: last?.location ?? current.location), isIncomplete: true)
    }

    mutating func nest() throws(SyntaxError) {
        depth += 1
        treeDepth += 1
        if depth > Parser.maxDepth {
            throw SyntaxError(
                diagnostic: Diagnostic("expression nested too deeply (limit \(Parser.maxDepth))", at: current.location),
                isIncomplete: false)
        }
        try checkTreeDepth()
    }

    mutating func unnest() { depth -= 1; treeDepth -= 1 }

    /// One more link of a left-deep chain (the caller restores `treeDepth` when its loop ends).
    mutating func lengthen() throws(SyntaxError) {
        treeDepth += 1
        try checkTreeDepth()
    }

    private func checkTreeDepth() throws(SyntaxError) {
        if treeDepth > Parser.maxTreeDepth {
            throw SyntaxError(
                diagnostic: Diagnostic("expression too long or deep: more than \(Parser.maxTreeDepth) chained operations (split it into several statements)", at: current.location),
                isIncomplete: false)
        }
    }
}
