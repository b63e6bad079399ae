/// Precedence, lowest first: or, and, not, comparisons (== != < <= > >= in, not in), + -, * / % @,
/// unary - +, ** (right-associative), postfix (call, member, index), primary.
extension Parser {
    mutating func expression() throws(SyntaxError) -> Expr {
        try nest()
        defer { unnest() }
        return try orExpression()
    }

    /// or := and { 'or' and }
    mutating func orExpression() throws(SyntaxError) -> Expr {
        var left = try andExpression()
        let base = treeDepth
        defer { treeDepth = base }
        while current.isKeyword("or") {
            try lengthen()
            let location = advance().location
            left = Expr(.or(left, try andExpression()), at: location)
        }
        return left
    }

    /// and := not { 'and' not }
    mutating func andExpression() throws(SyntaxError) -> Expr {
        var left = try notExpression()
        let base = treeDepth
        defer { treeDepth = base }
        while current.isKeyword("and") {
            try lengthen()
            let location = advance().location
            left = Expr(.and(left, try notExpression()), at: location)
        }
        return left
    }

    /// not := 'not' not | comparison
    mutating func notExpression() throws(SyntaxError) -> Expr {
        if current.isKeyword("not") {
            let location = advance().location
            try nest()
            defer { unnest() }
            return Expr(.unary(.not, try notExpression()), at: location)
        }
        return try comparison()
    }

    /// comparison := sum { ('==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not' 'in') sum }
    mutating func comparison() throws(SyntaxError) -> Expr {
        var left = try sum()
        let base = treeDepth
        defer { treeDepth = base }
        while true {
            let location = current.location
            let op: BinaryOperator
            if current.kind == .op, let symbol = BinaryOperator(rawValue: current.text),
               [.equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual].contains(symbol) {
                op = symbol
                advance()
            } else if current.isKeyword("in") {
                op = .contains
                advance()
            } else if current.isKeyword("not"), peekToken().isKeyword("in") {
                op = .notContains
                advance()
                advance()
            } else {
                return left
            }
            try lengthen()
            left = Expr(.binary(op, left, try sum()), at: location)
        }
    }

    /// sum := product { ('+' | '-') product }
    mutating func sum() throws(SyntaxError) -> Expr {
        var left = try product()
        let base = treeDepth
        defer { treeDepth = base }
        while current.isOp("+") || current.isOp("-") {
            try lengthen()
            let token = advance()
            left = Expr(.binary(token.text == "+" ? .add : .subtract, left, try product()), at: token.location)
        }
        return left
    }

    /// product := unary { ('*' | '/' | '%' | '@') unary }
    mutating func product() throws(SyntaxError) -> Expr {
        var left = try unary()
        let base = treeDepth
        defer { treeDepth = base }
        while current.kind == .op, ["*", "/", "%", "@"].contains(current.text),
              let op = BinaryOperator(rawValue: current.text) {
            try lengthen()
            let location = advance().location
            left = Expr(.binary(op, left, try unary()), at: location)
        }
        return left
    }

    /// unary := ('-' | '+') unary | power
    mutating func unary() throws(SyntaxError) -> Expr {
        if current.isOp("-") || current.isOp("+") {
            let token = advance()
            try nest()
            defer { unnest() }
            return Expr(.unary(token.text == "-" ? .negate : .plus, try unary()), at: token.location)
        }
        return try power()
    }

    /// power := postfix [ '**' unary ]
    mutating func power() throws(SyntaxError) -> Expr {
        let base = try postfix()
        if current.isOp("**") {
            let location = advance().location
            try nest()
            defer { unnest() }
            return Expr(.binary(.power, base, try unary()), at: location)
        }
        return base
    }

    /// postfix := primary { '(' args ')' | '.' NAME | '[' index ']' }
    mutating func postfix() throws(SyntaxError) -> Expr {
        var expr = try primary()
        let base = treeDepth
        defer { treeDepth = base }
        while true {
            if current.isOp("(") || current.isOp(".") || current.isOp("[") { try lengthen() }
            if current.isOp("(") {
                advance()
                expr = Expr(.call(expr, try arguments()), at: expr.location)
            } else if current.isOp(".") {
                advance()
                let name = try expectIdentifier("after '.'")
                expr = Expr(.member(expr, name.text), at: name.location)
            } else if current.isOp("[") {
                let location = advance().location
                expr = Expr(.index(expr, try indexItems()), at: location)
            } else {
                return expr
            }
        }
    }

    /// args := [ arg { ',' arg } [','] ] ')' ;  arg := NAME ':' expr | expr  (named after positional only)
    mutating func arguments() throws(SyntaxError) -> [Argument] {
        var arguments: [Argument] = []
        var labels: Set<String> = []
        while !current.isOp(")") {
            let location = current.location
            if current.kind == .identifier, peekToken().isOp(":") {
                let label = advance().text
                advance()
                if labels.contains(label) {
                    throw SyntaxError(diagnostic: Diagnostic("argument '\(label)' given twice", at: location),
                                      isIncomplete: false)
                }
                labels.insert(label)
                arguments.append(Argument(label: label, value: try expression(), location: location))
            } else {
                if !labels.isEmpty { throw error("positional argument after a named argument") }
                arguments.append(Argument(label: nil, value: try expression(), location: location))
            }
            if !match(",") { break }
        }
        try expect(")", "to close the argument list")
        return arguments
    }

    /// index := item { ',' item } ']' ;  item := expr | [expr] ':' [expr] [':' [expr]]
    mutating func indexItems() throws(SyntaxError) -> [IndexItem] {
        var items: [IndexItem] = []
        repeat {
            if current.isOp("]") { break }
            var lower: Expr? = nil
            if !current.isOp(":") { lower = try expression() }
            if match(":") {
                var upper: Expr? = nil
                var step: Expr? = nil
                if !current.isOp(":") && !current.isOp(",") && !current.isOp("]") { upper = try expression() }
                if match(":"), !current.isOp(",") && !current.isOp("]") { step = try expression() }
                items.append(.slice(lower, upper, step))
            } else if let lower {
                items.append(.single(lower))
            }
        } while match(",")
        if items.isEmpty { throw error("expected an index inside '[]'") }
        try expect("]", "to close the index")
        return items
    }

    mutating func primary() throws(SyntaxError) -> Expr {
        let token = current
        let location = token.location
        switch token.kind {
        case .int:
            advance()
            return Expr(.int(token.intValue), at: location)
        case .float:
            advance()
            return Expr(.float(token.floatValue), at: location)
        case .string:
            advance()
            return Expr(.string(try stringParts(token.segments)), at: location)
        case .identifier:
            advance()
            return Expr(.name(token.text), at: location)
        case .keyword:
            switch token.text {
            case "true", "false":
                advance()
                return Expr(.bool(token.text == "true"), at: location)
            case "nil":
                advance()
                return Expr(.nilLiteral, at: location)
            case "fn":
                return Expr(.function(try functionDecl(anonymous: true)), at: location)
            default:
                throw error("expected an expression, found keyword '\(token.text)'")
            }
        case .op:
            if match("(") {
                let inner = try expression()
                try expect(")", "to close the parenthesis")
                return inner
            }
            if match("[") { return try listLiteral(location) }
            if match("{") { return try dictLiteral(location) }
            throw error("expected an expression, found \(token.display)")
        case .newline, .eof:
            throw error("expected an expression, found \(token.display)")
        }
    }

    /// list := '[' [ expr { ',' expr } [','] ] ']'
    mutating func listLiteral(_ location: SourceLocation) throws(SyntaxError) -> Expr {
        var elements: [Expr] = []
        while !current.isOp("]") {
            elements.append(try expression())
            if !match(",") { break }
        }
        try expect("]", "to close the list")
        return Expr(.list(elements), at: location)
    }

    /// dict := '{' [ key ':' expr { ',' key ':' expr } [','] ] '}' ;  key := NAME (as a string) | expr
    mutating func dictLiteral(_ location: SourceLocation) throws(SyntaxError) -> Expr {
        var entries: [DictEntry] = []
        skipNewlines()
        while !current.isOp("}") {
            let key: Expr
            if current.kind == .identifier, peekToken().isOp(":") {
                let name = advance()
                key = Expr(.string([.text(name.text)]), at: name.location)
            } else {
                key = try expression()
            }
            try expect(":", "after the dictionary key")
            skipNewlines()
            entries.append(DictEntry(key: key, value: try expression()))
            skipNewlines()
            if !match(",") { break }
            skipNewlines()
        }
        try expect("}", "to close the dictionary")
        return Expr(.dict(entries), at: location)
    }

    /// Parses each `{code}` segment of a string literal as an expression at its own location.
    mutating func stringParts(_ segments: [StringSegment]) throws(SyntaxError) -> [StringPart] {
        var parts: [StringPart] = []
        for segment in segments {
            switch segment {
            case .text(let text):
                parts.append(.text(text))
            case .code(let code, let location):
                var lexer = Lexer(source: code, file: location.file, line: location.line, column: location.column)
                var inner = Parser(tokens: try lexer.tokenize())
                inner.depth = depth
                inner.treeDepth = treeDepth
                inner.skipNewlines()
                let expr = try inner.expression()
                inner.skipNewlines()
                guard inner.current.kind == .eof else {
                    throw SyntaxError(
                        diagnostic: Diagnostic("unexpected \(inner.current.display) in string interpolation",
                                               at: inner.current.location), isIncomplete: false)
                }
                parts.append(.interpolation(expr))
            }
        }
        return parts
    }
}
