import Foundation

/// The `time` namespace: wall clock, a monotonic clock for measuring, and sleeping.
enum TimeBuiltins {
    static var table: BuiltinTable {
        BuiltinTable(namespaces: [NamespaceTable("time", doc: "clocks and sleeping", functions: [
            Builtin("now", [], "now() -> Float: seconds since 1970-01-01 UTC") { _ in
                .float(Date().timeIntervalSince1970)
            },
            Builtin("clock", [], "clock() -> Float: monotonic seconds, for measuring durations") { _ in
                .float(Double(DispatchTime.now().uptimeNanoseconds) / 1e9)
            },
            Builtin("sleep", [Param("seconds")], "sleep(seconds): wait (Ctrl-C interrupts)") { args in
                let deadline = Date().addingTimeInterval(try args.double("seconds"))
                while Date() < deadline {
                    if args.interpreter.interruptCheck() { throw RuntimeError.interrupted(at: nil) }
                    Thread.sleep(forTimeInterval: min(0.02, max(0, deadline.timeIntervalSinceNow)))
                }
                return .null
            },
        ])])
    }
}
