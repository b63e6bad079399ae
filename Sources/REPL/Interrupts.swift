import Foundation

/// SIGINT handling shared by the REPL and batch runs (platform-notes.md, "REPL with libedit"): the
/// handler only sets a flag; computations poll it at safe points, and a `readline` interrupted at the
/// prompt returns nil with the flag set (telling Ctrl-C apart from Ctrl-D).
public enum Interrupts {
    /// Installs the handler (no SA_RESTART, so a blocked `read` returns).
    public static func install() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in ragtimeInterruptFlag = 1 }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }

    public static var isPending: Bool { ragtimeInterruptFlag != 0 }
    public static func clear() { ragtimeInterruptFlag = 0 }
}

/// Written only by the signal handler and `Interrupts.clear()`; an aligned Int32 store is atomic here.
nonisolated(unsafe) private var ragtimeInterruptFlag: sig_atomic_t = 0
