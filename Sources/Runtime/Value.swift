import Syntax

/// A value of the language. Lists and dicts are mutable and shared by reference (like Python);
/// `==` on them is structural. Runtime objects from the domain modules (tensors, models, indexes, ...)
/// are opaque `.handle`s whose methods and properties come from a registered `HandleType`.
public enum Value {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case list(ListRef)
    case dict(DictRef)
    case function(Closure)
    case builtin(BoundBuiltin)
    case namespace(Namespace)
    case handle(AnyObject)

    public static func list(_ items: [Value]) -> Value { .list(ListRef(items)) }
}

/// A mutable list shared by reference.
public final class ListRef {
    public var items: [Value]
    public init(_ items: [Value]) { self.items = items }
    deinit { ValueRelease.drain(&items) }
}

/// Releasing a value nested 1,000,000 levels deep must not recurse once per level (each `deinit` releasing its
/// children would overflow the stack): a dying list or dict moves the items of children it alone holds into a
/// work list, so every nested release happens in this one loop.
enum ValueRelease {
    /// The list of `value` with `value` cleared, so the returned reference is the caller's only one from it (a
    /// pattern binding would keep the enum's reference alive beside it and defeat the uniqueness check).
    @inline(never) static func takeList(_ value: inout Value) -> ListRef? {
        guard case .list(let list) = value else { return nil }
        value = .null
        return list
    }

    @inline(never) static func takeDict(_ value: inout Value) -> DictRef? {
        guard case .dict(let dict) = value else { return nil }
        value = .null
        return dict
    }

    static func drain(_ items: inout [Value]) {
        guard items.contains(where: { if case .list = $0 { return true }; if case .dict = $0 { return true }; return false }) else { return }
        var work = items
        items = []
        while !work.isEmpty {
            var value = work.removeLast()
            if var list = takeList(&value) {
                if isKnownUniquelyReferenced(&list) { work.append(contentsOf: list.items); list.items = [] }
            } else if var dict = takeDict(&value) {
                if isKnownUniquelyReferenced(&dict) { work.append(contentsOf: dict.takeValues()) }
            }
        }
    }
}

/// A mutable dictionary with string keys, kept in insertion order.
public final class DictRef {
    public private(set) var keys: [String] = []
    private var storage: [String: Value] = [:]

    public init(_ pairs: [(String, Value)] = []) {
        for (key, value) in pairs { self[key] = value }
    }

    public var count: Int { keys.count }
    public var pairs: [(String, Value)] { keys.map { ($0, storage[$0] ?? .null) } }

    deinit {
        var values = Array(storage.values)
        storage = [:]
        ValueRelease.drain(&values)
    }

    /// Empties the dict and returns its values (for `ValueRelease`).
    func takeValues() -> [Value] {
        let values = Array(storage.values)
        storage = [:]
        keys = []
        return values
    }

    public subscript(key: String) -> Value? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }
}

/// A script function together with the scope it closes over.
public final class Closure {
    public let decl: FunctionDecl
    let scope: Scope

    init(decl: FunctionDecl, scope: Scope) {
        self.decl = decl
        self.scope = scope
    }
}

/// A builtin function, possibly bound to a receiver (a method taken from `value.name`).
public final class BoundBuiltin {
    public let builtin: Builtin
    public let receiver: Value?
    /// The name shown in messages: `print`, `math.sqrt`, `List.append`.
    public let qualifiedName: String

    init(_ builtin: Builtin, receiver: Value? = nil, qualifiedName: String) {
        self.builtin = builtin
        self.receiver = receiver
        self.qualifiedName = qualifiedName
    }
}

/// A builtin namespace such as `math` or `tensor`: named functions and constants.
public final class Namespace {
    public let name: String
    public let doc: String
    public let members: DictRef

    init(name: String, doc: String, members: DictRef) {
        self.name = name
        self.doc = doc
        self.members = members
    }
}
