@preconcurrency import CEditLine
import Foundation

/// Line editing through libedit's readline API: cursor movement, history (persisted one line per
/// entry in a plain text file) and tab completion from a completer closure.
public final class LibEditLineReader: LineReader {
    private let historyPath: String?

    /// - Parameters:
    ///   - historyPath: file to load history from and append entered lines to (nil: no persistence).
    ///   - completer: words completing the text before the cursor's word start (`tensor.ze` -> `tensor.zeros`).
    public init(historyPath: String?, completer: @escaping (String) -> [String]) {
        self.historyPath = historyPath
        completionSource = completer
        rl_readline_name = UnsafePointer(strdup("ragtime"))
        // libedit's own signal handling (EL_SIGNAL) re-raises Ctrl-C with `kill(0, SIGINT)` from inside
        // its handler, where SIGINT is blocked on the main thread: the kernel then hands the signal to
        // another thread (a Tensor worker), whose run of our handler can come after `readline` has
        // already returned nil, which read as Ctrl-D and ended the session (seen under load in
        // REPLTerminalTests). It also signalled the parent's process group. Without it, the terminal's
        // SIGINT reaches the main thread directly (Linux prefers the thread-group leader when it does
        // not block the signal), interrupting `read`; `readline` restores the terminal itself on return.
        rl_catch_signals = 0
        rl_initialize()
        using_history()
        // '.' is not a word break, so `tensor.ze` is completed as one word.
        rl_completer_word_break_characters = strdup(" \t\n\"'`@$><=;|&{}()[],+-*/%:")
        rl_completion_append_character = 0
        rl_attempted_completion_function = { text, _, _ in
            rl_completion_matches(text) { partial, state in
                if state == 0 { completionMatches = completionSource(partial.map { String(cString: $0) } ?? "") }
                guard Int(state) < completionMatches.count else { return nil }
                return strdup(completionMatches[Int(state)])
            }
        }
        if let historyPath, let text = try? String(contentsOfFile: historyPath, encoding: .utf8) {
            for line in text.split(separator: "\n") where !line.isEmpty { add_history(String(line)) }
        }
    }

    /// nil at end of input or when Ctrl-C interrupted the prompt (then `Interrupts.isPending`: the handler
    /// ran on this thread before `read` returned).
    public func readLine(prompt: String) -> String? {
        guard let raw = readline(prompt) else { return nil }
        defer { free(raw) }
        let line = String(cString: raw)
        if !line.trimmingCharacters(in: .whitespaces).isEmpty {
            add_history(line)
            appendToHistoryFile(line)
        }
        return line
    }

    private func appendToHistoryFile(_ line: String) {
        guard let historyPath, let data = (line + "\n").data(using: .utf8) else { return }
        if let handle = FileHandle(forWritingAtPath: historyPath) {
            handle.seekToEndOfFile()
            handle.write(data)
            try? handle.close()
        } else {
            _ = FileManager.default.createFile(atPath: historyPath, contents: data)
        }
    }
}

/// libedit's completion callbacks are C functions without a context pointer; the reader keeps the
/// completer here (one line editor per process).
nonisolated(unsafe) private var completionSource: (String) -> [String] = { _ in [] }
nonisolated(unsafe) private var completionMatches: [String] = []
