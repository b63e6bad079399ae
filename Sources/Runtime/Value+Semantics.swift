import Foundation

extension Value {
    /// How deep the recursive walks over values (display, ordering, JSON) go before they stop with an error or,
    /// for display, a marker; equality and release are iterative and have no limit.
    public static let maxWalkDepth = 1000

    /// The type name shown by `type(x)` and in error messages; handles report their registered name
    /// through `Interpreter.typeName(of:)`, so this gives the Swift class name for them.
    public var typeName: String {
        switch self {
        case .null: return "Nil"
        case .bool: return "Bool"
        case .int: return "Int"
        case .float: return "Float"
        case .string: return "String"
        case .list: return "List"
        case .dict: return "Dict"
        case .function, .builtin: return "Function"
        case .namespace: return "Namespace"
        case .handle(let object): return String(describing: type(of: object))
        }
    }

    /// Truthiness for `if`, `while`, `and`, `or`, `not`: nil, false, 0, 0.0, "" and empty
    /// collections are false; everything else is true.
    public var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .int(let n): return n != 0
        case .float(let x): return x != 0
        case .string(let s): return !s.isEmpty
        case .list(let l): return !l.items.isEmpty
        case .dict(let d): return d.count > 0
        default: return true
        }
    }

    /// Structural equality: numbers compare by value across Int/Float, lists and dicts element-wise,
    /// functions and handles by identity. Iterative (a work list of pairs), so any nesting depth is fine.
    public func isEqual(to other: Value) -> Bool {
        var work: [(Value, Value)] = [(self, other)]
        var compared: Set<[ObjectIdentifier]> = []  // pairs of containers already taken apart: cycles end
        while let (a, b) = work.popLast() {
            switch (a, b) {
            case (.list(let x), .list(let y)):
                if x === y || !compared.insert([ObjectIdentifier(x), ObjectIdentifier(y)]).inserted { continue }
                guard x.items.count == y.items.count else { return false }
                work.append(contentsOf: zip(x.items, y.items))
            case (.dict(let x), .dict(let y)):
                if x === y || !compared.insert([ObjectIdentifier(x), ObjectIdentifier(y)]).inserted { continue }
                guard x.count == y.count else { return false }
                for (key, value) in x.pairs {
                    guard let other = y[key] else { return false }
                    work.append((value, other))
                }
            default:
                if !a.isEqualShallow(to: b) { return false }
            }
        }
        return true
    }

    /// Equality of two values that are not both lists or both dicts.
    private func isEqualShallow(to other: Value) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.float(let a), .float(let b)): return a == b
        case (.int(let a), .float(let b)): return Double(a) == b
        case (.float(let a), .int(let b)): return a == Double(b)
        case (.string(let a), .string(let b)): return a == b
        case (.function(let a), .function(let b)): return a === b
        case (.builtin(let a), .builtin(let b)): return a === b
        case (.namespace(let a), .namespace(let b)): return a === b
        case (.handle(let a), .handle(let b)): return a === b
        default: return false
        }
    }
}

/// Fixed-precision number formatting so transcripts are stable across runs and machines.
public enum NumberFormat {
    /// Floats print with 6 significant digits (`%.6g`), always showing that they are floats:
    /// `1.0`, `0.333333`, `1e-08`, `nan`, `inf`.
    public static func float(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        var text = String(format: "%.6g", x)
        if text == "-0" { text = "0" }
        if !text.contains(".") && !text.contains("e") { text += ".0" }
        return text
    }

    /// `x` with exactly `digits` decimals (`fixed(3.14159, 2)` is `3.14`).
    public static func fixed(_ x: Double, digits: Int) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        let text = String(format: "%.\(max(0, min(digits, 17)))f", x)
        return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
    }
}
