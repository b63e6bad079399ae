import Foundation
import Syntax

/// Runs Ragtime scripts. All state (variables, registered builtins, loaded sources, imports) lives in
/// the instance, so a REPL session, a batch run and each golden test own one interpreter each.
///
///     let interpreter = Interpreter(options: .init(stdlibPath: "stdlib"))
///     let out = StringSink()
///     try interpreter.run(source: "x = 2\nx * 21", name: "demo.rag", output: out)
///     // out.text == "42\n"
public final class Interpreter {
    public struct Options {
        /// Folder searched by `import` after the importing script's own folder.
        public var stdlibPath: String?
        /// The script arguments, visible to scripts as the list `args`.
        public var arguments: [String]
        /// Script-level call depth limit (deep recursion reports an error instead of crashing).
        public var maxCallDepth: Int

        public init(stdlibPath: String? = nil, arguments: [String] = [], maxCallDepth: Int = 200) {
            self.stdlibPath = stdlibPath
            self.arguments = arguments
            self.maxCallDepth = maxCallDepth
        }
    }

    public let options: Options
    /// Polled at safe points (loop iterations, calls, long builtins); true stops the run with an
    /// "interrupted" error (exit code 130). The REPL wires it to its SIGINT flag.
    public var interruptCheck: () -> Bool = { false }
    /// Where `print` and displayed values go during `run`.
    public private(set) var output: OutputSink = StringSink()

    let builtins: Scope
    var globals: Scope
    var handleTypes: [ObjectIdentifier: HandleType] = [:]
    var typeMethods: [String: TypeMethods] = [:]
    var namespaces: [String: Namespace] = [:]
    /// Source text by file name, to show the offending line of an error.
    var sources: [String: String] = [:]
    var imported: Set<String> = []
    /// Script function calls in progress, outermost first.
    var frames: [TraceEntry] = []
    /// Folders of the files being run (innermost last), for resolving `import`.
    var directories: [String] = []

    public init(options: Options = Options(), tables: [BuiltinTable] = BuiltinRegistry.tables) {
        self.options = options
        builtins = Scope(kind: .builtins, parent: nil)
        globals = Scope(kind: .global, parent: builtins)
        for table in tables { register(table) }
        builtins.values["args"] = .list(options.arguments.map { .string($0) })
    }

    /// Adds one domain's builtins. Later tables may add to a namespace declared by an earlier one.
    public func register(_ table: BuiltinTable) {
        for builtin in table.globals {
            builtins.values[builtin.name] = .builtin(BoundBuiltin(builtin, qualifiedName: builtin.name))
        }
        for spec in table.namespaces {
            let namespace = namespaces[spec.name] ?? Namespace(name: spec.name, doc: spec.doc, members: DictRef())
            for function in spec.functions {
                namespace.members[function.name] = .builtin(
                    BoundBuiltin(function, qualifiedName: "\(spec.name).\(function.name)"))
            }
            for constant in spec.constants { namespace.members[constant.name] = constant.value }
            namespaces[spec.name] = namespace
            builtins.values[spec.name] = .namespace(namespace)
        }
        for type in table.handleTypes { handleTypes[ObjectIdentifier(type.objectType)] = type }
        for methods in table.typeMethods {
            if let existing = typeMethods[methods.typeName] {
                typeMethods[methods.typeName] = TypeMethods(
                    methods.typeName, methods: existing.methods + methods.methods,
                    properties: existing.properties + methods.properties)
            } else {
                typeMethods[methods.typeName] = methods
            }
        }
    }

    /// Parses and runs `source`. Top-level expression statements with a non-nil value are displayed
    /// on `output`. Errors come back rendered (`file:line:col: error: ...`, the line, a caret, and the
    /// call trace for runtime errors) with their exit code.
    public func run(source: String, name: String, output: OutputSink) throws(ScriptError) {
        self.output = output
        sources[name] = source
        let program: Program
        switch Parser.parse(source: source, file: name) {
        case .success(let parsed): program = parsed
        case .incomplete(let diagnostic), .failure(let diagnostic):
            throw ScriptError(kind: .syntax, rendered: diagnostic.rendered(source: source))
        }
        frames = []
        directories = [Interpreter.directory(of: name)]
        do {
            for statement in program.statements {
                if case .expression(let expr) = statement.kind {
                    let value = try evaluate(expr, in: globals)
                    if case .null = value { continue }
                    output.write(display(value) + "\n")
                } else {
                    _ = try execute(statement, in: globals)
                }
            }
        } catch let error as RuntimeError {
            throw ScriptError(kind: error.kind == .interrupted ? .interrupted : .runtime, rendered: render(error))
        } catch {
            throw ScriptError(kind: .runtime, rendered: "\(name): error: \(error)")
        }
    }

    /// Names defined by scripts in this session (`:vars`), sorted.
    public var userVariables: [(name: String, value: Value)] {
        globals.values.keys.sorted().compactMap { key in globals.values[key].map { (key, $0) } }
    }

    /// Forgets all script variables and imports (`:reset`); builtins stay.
    public func reset() {
        globals = Scope(kind: .global, parent: builtins)
        imported = []
    }

    /// The folder of a script name as given (relative names stay relative); "." for `<repl>`, `-e`, stdin.
    static func directory(of file: String) -> String {
        if file.hasPrefix("<") { return "." }
        let dir = (file as NSString).deletingLastPathComponent
        return dir.isEmpty ? "." : dir
    }
}

/// A failed `run`: the rendered message and the process exit code it maps to.
public struct ScriptError: Error, CustomStringConvertible {
    public enum Kind: Sendable { case syntax, runtime, interrupted }
    public let kind: Kind
    /// The complete, user-facing error text (no trailing newline).
    public let rendered: String

    public var exitCode: Int32 {
        switch kind {
        case .syntax: return 65
        case .runtime: return 70
        case .interrupted: return 130
        }
    }

    public var description: String { rendered }
}

extension Interpreter {
    /// Evaluates one expression (REPL `:help name`, `:time EXPR`) and returns its value without
    /// displaying it.
    public func evaluate(expression source: String, name: String, output: OutputSink) throws(ScriptError) -> Value {
        self.output = output
        sources[name] = source
        let program: Program
        switch Parser.parse(source: source, file: name) {
        case .success(let parsed): program = parsed
        case .incomplete(let diagnostic), .failure(let diagnostic):
            throw ScriptError(kind: .syntax, rendered: diagnostic.rendered(source: source))
        }
        guard program.statements.count == 1, case .expression(let expr) = program.statements[0].kind else {
            throw ScriptError(kind: .syntax, rendered: "\(name): error: expected a single expression")
        }
        frames = []
        do {
            return try evaluate(expr, in: globals)
        } catch let error as RuntimeError {
            throw ScriptError(kind: error.kind == .interrupted ? .interrupted : .runtime, rendered: render(error))
        } catch {
            throw ScriptError(kind: .runtime, rendered: "\(name): error: \(error)")
        }
    }
}
