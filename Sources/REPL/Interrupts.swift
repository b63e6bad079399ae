import Foundation
import Synchronization

/// SIGINT handling shared by the REPL and batch runs (docs/language.md, "The REPL"): the
/// handler only sets a flag; computations poll it at safe points, and a `readline` interrupted at the
/// prompt returns nil with the flag set (telling Ctrl-C apart from Ctrl-D).
///
/// The flag is a lock-free `Atomic`, not a plain global `var`: a debug build checks exclusive access
/// to global variables at run time, and a signal arriving while the main thread was inside a read of a
/// plain global (polling `isPending`) made the handler's write a "simultaneous access" and aborted the
/// process. Atomics are not access-checked and are async-signal-safe; pollers on worker threads (KB
/// encoding) read them safely too.
public enum Interrupts {
    /// Installs the handler (no SA_RESTART, so a blocked `read` returns).
    public static func install() {
        clear()  // initialises the global before any signal can reach it
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in ragtimeInterruptFlag.store(1, ordering: .relaxed) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }

    public static var isPending: Bool { ragtimeInterruptFlag.load(ordering: .relaxed) != 0 }
    public static func clear() { ragtimeInterruptFlag.store(0, ordering: .relaxed) }
}

/// Set by the signal handler, cleared by `Interrupts.clear()`.
private let ragtimeInterruptFlag = Atomic<Int32>(0)
