/// Methods of Dict values (`d.keys()`); dicts keep insertion order.
enum DictBuiltins {
    static var table: BuiltinTable {
        BuiltinTable(typeMethods: [TypeMethods("Dict", methods: [
            method("keys", [], "keys() -> List of Strings, in insertion order") { dict, _ in
                .list(dict.keys.map { .string($0) })
            },
            method("values", [], "values() -> List") { dict, _ in .list(dict.pairs.map(\.1)) },
            method("items", [], "items() -> List of [key, value]") { dict, _ in
                .list(dict.pairs.map { .list([.string($0.0), $0.1]) })
            },
            method("get", [Param("key"), Param("default", default: .null)],
                   "get(key, default: nil): the value for key, or default") { dict, args in
                dict[try args.string("key")] ?? args.value("default")
            },
            method("pop", [Param("key")], "pop(key): remove key and return its value") { dict, args in
                let key = try args.string("key")
                guard let value = dict[key] else { throw RuntimeError("Dict.pop: key \"\(key)\" not found") }
                dict[key] = nil
                return value
            },
            method("update", [Param("other")], "update(other): copy every entry of another Dict") { dict, args in
                for (key, value) in try args.dict("other").pairs { dict[key] = value }
                return .null
            },
            method("copy", [], "copy() -> Dict: a shallow copy") { dict, _ in .dict(DictRef(dict.pairs)) },
        ])])
    }

    private static func method(_ name: String, _ params: [Param], _ doc: String,
                               _ body: @escaping (DictRef, CallArgs) throws -> Value) -> Builtin {
        Builtin(name, params, doc) { args in
            guard case .dict(let dict) = args.receiver else { throw RuntimeError("\(args.function): not a Dict") }
            return try body(dict, args)
        }
    }
}
