import Foundation
import Syntax

extension Interpreter {
    func unary(_ op: UnaryOperator, _ value: Value) throws -> Value {
        switch (op, value) {
        case (.not, _): return .bool(!value.isTruthy)
        case (.negate, .int(let n)):
            guard n != Int.min else { throw RuntimeError("integer overflow in -") }
            return .int(-n)
        case (.negate, .float(let x)): return .float(-x)
        case (.plus, .int), (.plus, .float): return value
        case (.negate, .handle(let object)):
            if let negate = handleTypes[ObjectIdentifier(type(of: object))]?.negate { return try negate(object) }
        default: break
        }
        throw RuntimeError("bad operand type for unary \(op.rawValue): \(typeName(of: value))")
    }

    /// `lhs op rhs`. Int arithmetic is checked for overflow; `/` always gives a Float; `%` takes the
    /// sign of the divisor (as in Python); handles get the operator from their `HandleType`.
    func binary(_ op: BinaryOperator, _ lhs: Value, _ rhs: Value, at location: SourceLocation?) throws -> Value {
        for case .handle(let object) in [lhs, rhs] {
            if let hook = handleTypes[ObjectIdentifier(type(of: object))]?.binaryOperator,
               let result = try hook(op, lhs, rhs) {
                return result
            }
        }
        switch op {
        case .equal: return .bool(lhs.isEqual(to: rhs))
        case .notEqual: return .bool(!lhs.isEqual(to: rhs))
        case .contains: return .bool(try contains(rhs, lhs))
        case .notContains: return .bool(!(try contains(rhs, lhs)))
        default: break
        }
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)):
            if let result = try intArithmetic(op, a, b) { return result }
        case (.int, .float), (.float, .int), (.float, .float):
            if let result = try floatArithmetic(op, number(lhs), number(rhs)) { return result }
        case (.string(let a), .string(let b)):
            switch op {
            case .add: return .string(a + b)
            case .less: return .bool(a < b)
            case .lessEqual: return .bool(a <= b)
            case .greater: return .bool(a > b)
            case .greaterEqual: return .bool(a >= b)
            default: break
            }
        case (.string(let s), .int(let n)) where op == .multiply:
            try checkRepeat(s.utf8.count, n, at: location)
            return .string(String(repeating: s, count: max(0, n)))
        case (.list(let a), .list(let b)) where op == .add:
            return .list(a.items + b.items)
        case (.list, .list) where [.less, .lessEqual, .greater, .greaterEqual].contains(op):
            switch op {
            case .less: return .bool(try less(lhs, rhs))
            case .greater: return .bool(try less(rhs, lhs))
            case .lessEqual: return .bool(!(try less(rhs, lhs)))
            default: return .bool(!(try less(lhs, rhs)))
            }
        case (.list(let a), .int(let n)) where op == .multiply:
            try checkRepeat(a.items.count, n, at: location)
            return .list(Array([[Value]](repeating: a.items, count: max(0, n)).joined()))
        default: break
        }
        let hint = op == .matmul ? " (@ multiplies tensors)" : ""
        throw RuntimeError("unsupported operand types for \(op.rawValue): \(typeName(of: lhs)) and "
                               + "\(typeName(of: rhs))\(hint)", at: location)
    }

    /// Repetition results are capped at 100 million items so a typo cannot exhaust memory.
    private func checkRepeat(_ size: Int, _ times: Int, at location: SourceLocation?) throws {
        if Double(size) * Double(max(0, times)) > 1e8 {
            throw RuntimeError("repetition would make \(size) x \(times) items (limit 100000000)", at: location)
        }
    }

    private func number(_ value: Value) -> Double {
        switch value {
        case .int(let n): return Double(n)
        case .float(let x): return x
        default: return .nan
        }
    }

    private func contains(_ container: Value, _ item: Value) throws -> Bool {
        switch container {
        case .list(let list): return list.items.contains { $0.isEqual(to: item) }
        case .dict(let dict):
            guard case .string(let key) = item else { return false }
            return dict[key] != nil
        case .string(let s):
            guard case .string(let part) = item else {
                throw RuntimeError("'in <String>' needs a String on the left, got \(typeName(of: item))")
            }
            return part.isEmpty || s.contains(part)
        default:
            throw RuntimeError("'in' needs a List, Dict or String on the right, got \(typeName(of: container))")
        }
    }

    private func intArithmetic(_ op: BinaryOperator, _ a: Int, _ b: Int) throws -> Value? {
        func checked(_ result: (partialValue: Int, overflow: Bool)) throws -> Value {
            if result.overflow { throw RuntimeError("integer overflow in \(op.rawValue)") }
            return .int(result.partialValue)
        }
        switch op {
        case .add: return try checked(a.addingReportingOverflow(b))
        case .subtract: return try checked(a.subtractingReportingOverflow(b))
        case .multiply: return try checked(a.multipliedReportingOverflow(by: b))
        case .divide:
            guard b != 0 else { throw RuntimeError("division by zero") }
            return .float(Double(a) / Double(b))
        case .modulo:
            guard b != 0 else { throw RuntimeError("modulo by zero") }
            // Int.min % -1 overflows the division but its remainder is 0; r + b cannot overflow (opposite signs).
            let (r, overflow) = a.remainderReportingOverflow(dividingBy: b)
            if overflow { return .int(0) }
            return .int(r != 0 && (r < 0) != (b < 0) ? r + b : r)
        case .power:
            if b < 0 { return .float(pow(Double(a), Double(b))) }
            var result = 1
            var base = a
            var exponent = b
            while exponent > 0 {
                if exponent & 1 == 1 { result = try checkedInt(result.multipliedReportingOverflow(by: base)) }
                exponent >>= 1
                if exponent > 0 { base = try checkedInt(base.multipliedReportingOverflow(by: base)) }
            }
            return .int(result)
        case .less: return .bool(a < b)
        case .lessEqual: return .bool(a <= b)
        case .greater: return .bool(a > b)
        case .greaterEqual: return .bool(a >= b)
        default: return nil
        }
    }

    private func checkedInt(_ result: (partialValue: Int, overflow: Bool)) throws -> Int {
        if result.overflow { throw RuntimeError("integer overflow in **") }
        return result.partialValue
    }

    private func floatArithmetic(_ op: BinaryOperator, _ a: Double, _ b: Double) throws -> Value? {
        switch op {
        case .add: return .float(a + b)
        case .subtract: return .float(a - b)
        case .multiply: return .float(a * b)
        case .divide:
            guard b != 0 else { throw RuntimeError("division by zero") }
            return .float(a / b)
        case .modulo:
            guard b != 0 else { throw RuntimeError("modulo by zero") }
            let r = a.truncatingRemainder(dividingBy: b)
            return .float(r != 0 && (r < 0) != (b < 0) ? r + b : r)
        case .power: return .float(pow(a, b))
        case .less: return .bool(a < b)
        case .lessEqual: return .bool(a <= b)
        case .greater: return .bool(a > b)
        case .greaterEqual: return .bool(a >= b)
        default: return nil
        }
    }
}
