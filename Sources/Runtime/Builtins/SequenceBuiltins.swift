/// Global helpers over lists: min, max, sum, sorted, reversed, enumerate, zip.
enum SequenceBuiltins {
    static var globals: [Builtin] {
        [
            Builtin("min", [], variadic: true, "min(xs) or min(a, b, ...): the smallest value") { args in
                try extreme(args, pickLess: true)
            },
            Builtin("max", [], variadic: true, "max(xs) or max(a, b, ...): the largest value") { args in
                try extreme(args, pickLess: false)
            },
            Builtin("sum", [Param("xs"), Param("start", default: .int(0))],
                    "sum(xs, start: 0): the sum of a List of numbers") { args in
                var total = args.value("start")
                for item in try args.list("xs") {
                    total = try args.interpreter.binary(.add, total, item, at: nil)
                }
                return total
            },
            Builtin("sorted", [Param("xs"), Param("key", default: .null), Param("reverse", default: .bool(false))],
                    "sorted(xs, key: nil, reverse: false) -> List: a sorted copy (stable)") { args in
                let items = try args.list("xs")
                let keys = args.isNull("key") ? items : try items.map { try args.call(args.value("key"), [$0]) }
                let reverse = try args.bool("reverse")
                var order = Array(items.indices)
                var failure: Error? = nil
                // Swift's sort is stable, so equal keys keep their input order in both directions.
                order.sort { a, b in
                    do {
                        return reverse ? try args.interpreter.less(keys[b], keys[a])
                            : try args.interpreter.less(keys[a], keys[b])
                    } catch {
                        failure = failure ?? error
                        return false
                    }
                }
                if let failure { throw failure }
                return .list(order.map { items[$0] })
            },
            Builtin("reversed", [Param("xs")], "reversed(xs) -> List: the items in reverse order") { args in
                .list(try args.list("xs").reversed())
            },
            Builtin("enumerate", [Param("xs"), Param("start", default: .int(0))],
                    "enumerate(xs, start: 0) -> List of [index, item]") { args in
                let start = try args.int("start")
                return .list(try args.list("xs").enumerated().map { .list([.int(start + $0.offset), $0.element]) })
            },
            Builtin("zip", [Param("a"), Param("b")], "zip(a, b) -> List of [a_i, b_i] (shortest length)") { args in
                .list(zip(try args.list("a"), try args.list("b")).map { .list([$0, $1]) })
            },
        ]
    }

    private static func extreme(_ args: CallArgs, pickLess: Bool) throws -> Value {
        var items = args.rest
        if items.count == 1, case .list(let list) = items[0] { items = list.items }
        guard var best = items.first else { throw RuntimeError("\(args.function): empty list") }
        for item in items.dropFirst() {
            let better = pickLess ? try args.interpreter.less(item, best) : try args.interpreter.less(best, item)
            if better { best = item }
        }
        return best
    }
}

extension Interpreter {
    /// Ordering for sorting, min and max: numbers with numbers, strings with strings, lists
    /// lexicographically.
    func less(_ a: Value, _ b: Value) throws -> Bool {
        var equal: Set<[ObjectIdentifier]> = []
        return try order(a, b, depth: 0, equal: &equal) < 0
    }

    /// Three-way comparison (-1, 0, 1): one pass over nested lists (comparing each pair both ways was
    /// exponential in the depth), pairs of lists already found equal are not compared again (lists sharing
    /// sublists, `x = [x, x]`, stay linear), at most `Value.maxWalkDepth` levels deep, and interruptible.
    private func order(_ a: Value, _ b: Value, depth: Int, equal: inout Set<[ObjectIdentifier]>) throws -> Int {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.int, .float), (.float, .int), (.float, .float):
            if case .bool(true) = try binary(.less, a, b, at: nil) { return -1 }
            if case .bool(true) = try binary(.less, b, a, at: nil) { return 1 }
            return 0
        case (.string(let x), .string(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.list(let x), .list(let y)):
            let pair = [ObjectIdentifier(x), ObjectIdentifier(y)]
            if x === y || equal.contains(pair) { return 0 }
            guard depth < Value.maxWalkDepth else {
                throw RuntimeError("cannot order lists nested deeper than \(Value.maxWalkDepth) levels")
            }
            if interruptCheck() { throw RuntimeError.interrupted(at: nil) }
            for (p, q) in zip(x.items, y.items) {
                let c = try order(p, q, depth: depth + 1, equal: &equal)
                if c != 0 { return c }
            }
            let c = x.items.count < y.items.count ? -1 : (x.items.count > y.items.count ? 1 : 0)
            if c == 0 { equal.insert(pair) }
            return c
        default:
            throw RuntimeError("cannot order \(typeName(of: a)) and \(typeName(of: b))")
        }
    }
}
