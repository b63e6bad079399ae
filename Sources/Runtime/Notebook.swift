import Foundation

/// A script as a notebook: `#%% title` lines split it into cells (DESIGN.md, "What a user does").
/// Lines before the first marker form a preamble that runs with every cell selection.
public struct Notebook {
    public struct Cell {
        /// 1-based position among the cells.
        public let number: Int
        public let title: String
        /// 1-based line of the `#%%` marker; the cell runs to the line before the next marker.
        public let firstLine: Int
        public let lastLine: Int
    }

    public let lines: [String]
    public let cells: [Cell]

    public init(source: String) {
        lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var cells: [Cell] = []
        var markers: [(line: Int, title: String)] = []
        for (i, line) in lines.enumerated() where line.hasPrefix("#%%") {
            markers.append((i + 1, line.dropFirst(3).trimmingCharacters(in: .whitespaces)))
        }
        for (k, marker) in markers.enumerated() {
            let last = k + 1 < markers.count ? markers[k + 1].line - 1 : lines.count
            cells.append(Cell(number: k + 1, title: marker.title, firstLine: marker.line, lastLine: last))
        }
        self.cells = cells
    }

    /// Finds a cell by its number (`"2"`) or exact title.
    public func cell(named selector: String) -> Cell? {
        if let number = Int(selector) { return cells.first { $0.number == number } }
        return cells.first { $0.title == selector }
    }

    /// The source with only the preamble and the given line ranges kept; other lines become empty so
    /// line numbers in errors still match the file.
    public func source(keeping ranges: [ClosedRange<Int>], preamble: Bool = true) -> String {
        let preambleEnd = preamble ? (cells.first?.firstLine ?? lines.count + 1) - 1 : 0
        return lines.enumerated().map { i, line in
            let n = i + 1
            return n <= preambleEnd || ranges.contains { $0.contains(n) } ? line : ""
        }.joined(separator: "\n")
    }

    /// The source that runs the cells up to and including `cell` (state built by earlier cells is needed).
    public func source(upTo cell: Cell) -> String {
        source(keeping: [1...max(1, cell.lastLine)])
    }

    /// The source of one cell alone, for the REPL's `:cell FILE N` (earlier cells are not rerun).
    public func source(only cell: Cell) -> String {
        source(keeping: [cell.firstLine...max(cell.firstLine, cell.lastLine)], preamble: false)
    }
}
