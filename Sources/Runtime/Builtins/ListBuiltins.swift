/// Methods of List values (`xs.append(1)`); lists are shared by reference, so these mutate in place.
enum ListBuiltins {
    static var table: BuiltinTable {
        BuiltinTable(typeMethods: [TypeMethods("List", methods: [
            method("append", [Param("item")], "append(item): add at the end") { list, args in
                list.items.append(args.value("item"))
                return .null
            },
            method("extend", [Param("items")], "extend(items): add every item of a List at the end") { list, args in
                list.items += try args.list("items")
                return .null
            },
            method("insert", [Param("index"), Param("item")], "insert(index, item): add before position index") {
                list, args in
                let i = try args.int("index")
                let p = min(max(i < 0 ? list.items.count + i : i, 0), list.items.count)
                list.items.insert(args.value("item"), at: p)
                return .null
            },
            method("pop", [Param("index", default: .int(-1))], "pop(index: -1): remove and return an item") {
                list, args in
                let i = try args.int("index")
                let p = i < 0 ? list.items.count + i : i
                guard p >= 0 && p < list.items.count else {
                    throw RuntimeError("List.pop: index \(i) out of range (length \(list.items.count))")
                }
                return list.items.remove(at: p)
            },
            method("index", [Param("item")], "index(item) -> Int: position of the first equal item, or -1") {
                list, args in
                let item = args.value("item")
                return .int(list.items.firstIndex { $0.isEqual(to: item) } ?? -1)
            },
            method("copy", [], "copy() -> List: a shallow copy") { list, _ in .list(list.items) },
        ])])
    }

    private static func method(_ name: String, _ params: [Param], _ doc: String,
                               _ body: @escaping (ListRef, CallArgs) throws -> Value) -> Builtin {
        Builtin(name, params, doc) { args in
            guard case .list(let list) = args.receiver else { throw RuntimeError("\(args.function): not a List") }
            return try body(list, args)
        }
    }
}
