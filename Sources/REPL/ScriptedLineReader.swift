/// Feeds prepared lines to the prompt loop (tests); records the prompts it was shown.
public struct ScriptedLineReader: LineReader {
    private var lines: [String]
    public private(set) var prompts: [String] = []

    public init(lines: [String]) { self.lines = lines }

    public mutating func readLine(prompt: String) -> String? {
        prompts.append(prompt)
        return lines.isEmpty ? nil : lines.removeFirst()
    }
}
