extension Parser {
    /// program := { statement (NEWLINE | ';') } EOF
    mutating func program() throws(SyntaxError) -> [Stmt] {
        var statements: [Stmt] = []
        while true {
            skipSeparators()
            if current.kind == .eof { return statements }
            statements.append(try statement())
            try endOfStatement()
        }
    }

    mutating func skipSeparators() {
        while current.kind == .newline || current.isOp(";") { advance() }
    }

    /// A statement ends at a newline, ';', a closing '}' (not consumed) or the end of input.
    mutating func endOfStatement() throws(SyntaxError) {
        if current.kind == .newline || current.isOp(";") || current.isOp("}") || current.kind == .eof { return }
        throw error("expected end of statement, found \(current.display)")
    }

    /// block := '{' { statement (NEWLINE | ';') } '}'
    mutating func block(_ context: String) throws(SyntaxError) -> [Stmt] {
        try expect("{", context)
        try nest()
        defer { unnest() }
        var statements: [Stmt] = []
        while true {
            skipSeparators()
            if match("}") { return statements }
            if current.kind == .eof { throw error("expected '}' to close the block") }
            statements.append(try statement())
            try endOfStatement()
        }
    }

    mutating func statement() throws(SyntaxError) -> Stmt {
        let start = current.location
        if current.kind == .keyword {
            switch current.text {
            case "if": return try ifStatement()
            case "while":
                advance()
                let condition = try expression()
                loopDepth += 1
                defer { loopDepth -= 1 }
                return Stmt(.whileLoop(condition: condition, body: try block("after the while condition")), at: start)
            case "for": return try forStatement()
            case "fn" where peekToken().kind == .identifier:
                return Stmt(.function(try functionDecl()), at: start)
            case "return":
                if functionDepth == 0 { throw error("'return' outside a function") }
                advance()
                if current.kind == .newline || current.isOp(";") || current.isOp("}") || current.kind == .eof {
                    return Stmt(.returnStmt(nil), at: start)
                }
                return Stmt(.returnStmt(try expression()), at: start)
            case "break":
                if loopDepth == 0 { throw error("'break' outside a loop") }
                advance()
                return Stmt(.breakStmt, at: start)
            case "continue":
                if loopDepth == 0 { throw error("'continue' outside a loop") }
                advance()
                return Stmt(.continueStmt, at: start)
            case "import":
                advance()
                guard current.kind == .string, current.segments.count == 1, case .text(let path) = current.segments[0]
                else { throw error("expected a plain string path after 'import', found \(current.display)") }
                advance()
                return Stmt(.importStmt(path: path), at: start)
            default: break
            }
        }
        return try expressionOrAssignment()
    }

    /// if := 'if' expr block { 'elif' expr block } [ 'else' block ]   (elif/else may follow newlines)
    mutating func ifStatement() throws(SyntaxError) -> Stmt {
        let start = advance().location
        var branches: [(condition: Expr, body: [Stmt])] = []
        let condition = try expression()
        branches.append((condition, try block("after the if condition")))
        var elseBody: [Stmt]? = nil
        while true {
            var lookahead = position
            while tokens[lookahead].kind == .newline { lookahead += 1 }
            let next = tokens[lookahead]
            if next.isKeyword("elif") {
                position = lookahead + 1
                let condition = try expression()
                branches.append((condition, try block("after the elif condition")))
            } else if next.isKeyword("else") {
                position = lookahead + 1
                elseBody = try block("after 'else'")
                break
            } else {
                break
            }
        }
        return Stmt(.ifChain(branches: branches, elseBody: elseBody), at: start)
    }

    /// for := 'for' NAME { ',' NAME } 'in' expr block
    mutating func forStatement() throws(SyntaxError) -> Stmt {
        let start = advance().location
        var names = [try expectIdentifier("after 'for'").text]
        while match(",") { names.append(try expectIdentifier("after ',' in the for loop").text) }
        guard matchKeyword("in") else { throw error("expected 'in' after the loop variable, found \(current.display)") }
        let iterable = try expression()
        loopDepth += 1
        defer { loopDepth -= 1 }
        return Stmt(.forLoop(names: names, iterable: iterable, body: try block("after the for header")), at: start)
    }

    /// function := 'fn' [NAME] '(' [param { ',' param } [',']] ')' block ;  param := NAME [':' expr]
    mutating func functionDecl(anonymous: Bool = false) throws(SyntaxError) -> FunctionDecl {
        let start = advance().location
        let name = anonymous ? "<fn>" : try expectIdentifier("after 'fn'").text
        try expect("(", "after the function name")
        var parameters: [Parameter] = []
        var seen: Set<String> = []
        while !current.isOp(")") {
            let token = try expectIdentifier("for a parameter")
            if seen.contains(token.text) {
                throw SyntaxError(
                    diagnostic: Diagnostic("duplicate parameter '\(token.text)'", at: token.location), isIncomplete: false)
            }
            seen.insert(token.text)
            var defaultValue: Expr? = nil
            if match(":") {
                defaultValue = try expression()
            } else if parameters.last?.defaultValue != nil {
                throw SyntaxError(
                    diagnostic: Diagnostic("parameter '\(token.text)' without a default follows one with a default",
                                           at: token.location), isIncomplete: false)
            }
            parameters.append(Parameter(name: token.text, defaultValue: defaultValue, location: token.location))
            if !match(",") { break }
        }
        try expect(")", "to close the parameter list")
        let outerLoops = loopDepth
        loopDepth = 0
        functionDepth += 1
        defer {
            loopDepth = outerLoops
            functionDepth -= 1
        }
        return FunctionDecl(name: name, parameters: parameters, body: try block("for the function body"), location: start)
    }

    /// expression statement, or assignment := target ('=' | '+=' | '-=' | '*=' | '/=') expr
    mutating func expressionOrAssignment() throws(SyntaxError) -> Stmt {
        let start = current.location
        let target = try expression()
        let compound: [String: BinaryOperator] = ["+=": .add, "-=": .subtract, "*=": .multiply, "/=": .divide]
        guard current.kind == .op, current.text == "=" || compound[current.text] != nil else {
            return Stmt(.expression(target), at: start)
        }
        let opToken = advance()
        switch target.kind {
        case .name, .index, .member: break
        default:
            throw SyntaxError(
                diagnostic: Diagnostic("cannot assign to this expression (only to a name, an index or a member)",
                                       at: opToken.location), isIncomplete: false)
        }
        let value = try expression()
        return Stmt(.assign(target: target, op: compound[opToken.text], value: value), at: start)
    }
}
