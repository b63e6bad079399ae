import Foundation
import Tensor

/// Conversions between language values and tensors, shared by the tensor builtins.
enum TensorConvert {
    /// A tensor from a Tensor handle, a number (a scalar tensor) or nested lists of numbers.
    static func tensor(_ value: Value, _ what: String) throws -> Tensor {
        if case .handle(let object) = value, let t = object as? Tensor { return t }
        switch value {
        case .int(let n): return Tensor(Float(n))
        case .float(let x): return Tensor(Float(x))
        case .list:
            var shape: [Int] = []
            var scalars: [Float] = []
            try flatten(value, depth: 0, shape: &shape, into: &scalars, what: what) { item in
                switch item {
                case .int(let n): return Float(n)
                case .float(let x): return Float(x)
                default: return nil
                }
            }
            return try Tensor(shape: shape, scalars: scalars)
        default:
            throw RuntimeError("\(what) must be a Tensor, a number or nested lists of numbers, got \(value.typeName)")
        }
    }

    /// Integer data (ids, targets, masks) from nested lists of Ints or from a tensor of whole numbers.
    static func ints(_ value: Value, _ what: String) throws -> IntTensor {
        if case .handle(let object) = value, let t = object as? Tensor {
            return try IntTensor(shape: t.shape, scalars: t.scalars.map { x in
                guard x == x.rounded(), let n = CallArgs.truncatedInt(Double(x)) else {
                    throw RuntimeError("\(what) must hold whole numbers that fit an Int, got \(x)")
                }
                return n
            })
        }
        if case .int(let n) = value { return try IntTensor(shape: [], scalars: [n]) }
        var shape: [Int] = []
        var scalars: [Int] = []
        try flatten(value, depth: 0, shape: &shape, into: &scalars, what: what) { item in
            switch item {
            case .int(let n): return n
            case .bool(let b): return b ? 1 : 0
            default: return nil
            }
        }
        return try IntTensor(shape: shape, scalars: scalars)
    }

    /// Row-major flattening of a rectangular nested list; `shape` is discovered from the first
    /// element at each depth and every other element must agree.
    private static func flatten<T>(_ value: Value, depth: Int, shape: inout [Int], into out: inout [T], what: String,
                                   _ leaf: (Value) -> T?) throws {
        if case .list(let list) = value {
            if depth == shape.count {
                guard out.isEmpty || shape.isEmpty else {
                    throw RuntimeError("\(what): ragged nested list (a list where a number was expected)")
                }
                shape.append(list.items.count)
            } else if depth > shape.count || shape[depth] != list.items.count {
                throw RuntimeError("\(what): ragged nested list (lengths \(shape[min(depth, shape.count - 1)]) "
                                       + "and \(list.items.count) at depth \(depth))")
            }
            for item in list.items { try flatten(item, depth: depth + 1, shape: &shape, into: &out, what: what, leaf) }
            return
        }
        guard depth == shape.count else { throw RuntimeError("\(what): ragged nested list (a number where a list was expected)") }
        guard let scalar = leaf(value) else { throw RuntimeError("\(what): element \(value.typeName) is not a number") }
        out.append(scalar)
    }

    /// A shape: an Int or a List of Ints.
    static func shape(_ value: Value, _ what: String) throws -> [Int] {
        let shape: [Int]
        switch value {
        case .int(let n): shape = [n]
        case .list(let list):
            shape = try list.items.map { item in
                guard case .int(let n) = item else { throw RuntimeError("\(what): shape entries must be Ints") }
                return n
            }
        default: throw RuntimeError("\(what): shape must be an Int or a List of Ints, got \(value.typeName)")
        }
        // Refuse absurd sizes before allocating (2^30 floats = 4 GiB).
        let total = shape.reduce(1.0) { $0 * Double(max($1, 0)) }
        guard total <= Double(1 << 30) else { throw RuntimeError("\(what): shape \(shape) is too large") }
        return shape
    }

    /// `dim:` arguments: nil (all), an Int, or a List of Ints.
    static func dims(_ value: Value, _ what: String) throws -> [Int]? {
        if case .null = value { return nil }
        return try shape(value, what)
    }

    /// Nested lists of Floats (or Ints via `map`) in row-major order.
    static func nested<T>(_ shape: [Int], _ scalars: [T], _ map: (T) -> Value) -> Value {
        if shape.isEmpty { return scalars.first.map(map) ?? .null }
        var index = 0
        func build(_ dim: Int) -> Value {
            if dim == shape.count - 1 {
                let row = scalars[index..<index + shape[dim]].map(map)
                index += shape[dim]
                return .list(Array(row))
            }
            return .list((0..<shape[dim]).map { _ in build(dim + 1) })
        }
        return build(0)
    }

    static func list(_ t: Tensor) -> Value { nested(t.shape, t.scalars) { .float(Double($0)) } }
    static func list(_ t: IntTensor) -> Value { nested(t.shape, t.scalars) { .int($0) } }
}

/// numpy-like display with a fixed 4 decimals, aligned columns, and `...` past 1000 elements
/// (first and last 3 along each dimension):
///
///     tensor([[ 1.0000, -2.0000],
///             [ 3.0000,  4.0000]])
enum TensorFormat {
    static let decimals = 4
    static let summarizeAbove = 1000
    static let edgeItems = 3

    static func element(_ x: Float) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        return NumberFormat.fixed(Double(x), digits: decimals)
    }

    static func describe(_ t: Tensor) -> String {
        let scalars = t.scalars
        let shape = t.shape
        let suffix = t.tracksGrad ? ", grad: true)" : ")"
        if shape.isEmpty { return "tensor(" + element(scalars[0]) + suffix }
        let summarize = scalars.count > summarizeAbove
        var strides = Array(repeating: 1, count: shape.count)
        for d in stride(from: shape.count - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * shape[d + 1] }
        func shown(_ dim: Int) -> [Int?] {
            let n = shape[dim]
            guard summarize, n > 2 * edgeItems else { return Array(0..<n) }
            return Array(0..<edgeItems) + [nil] + Array((n - edgeItems)..<n)
        }
        // Column width over the elements that will be shown.
        var width = 0
        func measure(_ dim: Int, _ offset: Int) {
            for i in shown(dim) {
                guard let i else { continue }
                if dim == shape.count - 1 {
                    width = max(width, element(scalars[offset + i]).count)
                } else {
                    measure(dim + 1, offset + i * strides[dim])
                }
            }
        }
        measure(0, 0)
        func build(_ dim: Int, _ offset: Int) -> String {
            if shape[dim] == 0 { return "[]" }
            let indent = String(repeating: " ", count: "tensor(".count + dim + 1)
            if dim == shape.count - 1 {
                let items = shown(dim).map { i in
                    i.map { String(repeating: " ", count: width - element(scalars[offset + $0]).count)
                        + element(scalars[offset + $0]) } ?? "..."
                }
                return "[" + items.joined(separator: ", ") + "]"
            }
            let separator = "," + String(repeating: "\n", count: shape.count - dim - 1) + indent
            let rows = shown(dim).map { i in i.map { build(dim + 1, offset + $0 * strides[dim]) } ?? "..." }
            return "[" + rows.joined(separator: separator) + "]"
        }
        return "tensor(" + build(0, 0) + suffix
    }
}
