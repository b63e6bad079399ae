/// A variable scope. The chain is: function scopes (innermost first) -> globals -> builtins.
/// Blocks do not open scopes; functions do.
final class Scope {
    enum Kind { case builtins, global, function }

    var values: [String: Value] = [:]
    let parent: Scope?
    let kind: Kind

    init(kind: Kind, parent: Scope?) {
        self.kind = kind
        self.parent = parent
    }

    func lookup(_ name: String) -> Value? {
        var scope: Scope? = self
        while let current = scope {
            if let value = current.values[name] { return value }
            scope = current.parent
        }
        return nil
    }

    /// Assignment rule: inside a function, a name already bound in an enclosing *function* scope is
    /// updated there (closures can keep state); otherwise the name becomes local. Globals are read-only
    /// from inside functions (assigning creates a local), so helpers cannot clobber script variables.
    func assign(_ name: String, _ value: Value) {
        var scope: Scope? = self
        while let current = scope, current.kind == .function {
            if current.values[name] != nil {
                current.values[name] = value
                return
            }
            scope = current.parent
        }
        values[name] = value
    }

    /// Every name visible from here (for suggestions and completion).
    var visibleNames: Set<String> {
        var names: Set<String> = []
        var scope: Scope? = self
        while let current = scope {
            names.formUnion(current.values.keys)
            scope = current.parent
        }
        return names
    }
}
