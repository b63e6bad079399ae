/// The seam between the prompt loop and a line editor (libedit on a terminal, scripted in tests).
public protocol LineReader {
    /// Returns the next line without its newline, or nil at end of input.
    mutating func readLine(prompt: String) -> String?
}
