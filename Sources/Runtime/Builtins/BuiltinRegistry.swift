/// The one place that lists every domain's builtin table. A new domain adds
/// `Builtins/<Domain>Builtins.swift` with `static var table: BuiltinTable` and one line here
/// (docs/language.md, "Adding builtins").
public enum BuiltinRegistry {
    public static var tables: [BuiltinTable] {
        [
            CoreBuiltins.table,
            StringBuiltins.table,
            ListBuiltins.table,
            DictBuiltins.table,
            MathBuiltins.table,
            IOBuiltins.table,
            TimeBuiltins.table,
            JSONBuiltins.table,
            TokenizerBuiltins.table,
            KBBuiltins.table,
            IndexBuiltins.table,
            TensorBuiltins.table,
            ModelBuiltins.table,
            RagBuiltins.table,
            OptimBuiltins.table,
            TrainBuiltins.table,
            MPIBuiltins.table,
        ]
    }
}
