import Foundation
import Support

/// One line pair of `{split}.source` / `{split}.target` (source already carries the prefix).
public struct Seq2SeqExample: Equatable, Sendable {
    public var source: String
    public var target: String
    public init(source: String, target: String) { self.source = source; self.target = target }
}

/// The seed's `Seq2SeqDataset` files (rag-end2end-retriever `utils_rag.py` (`Seq2SeqDataset`)): `data_dir/{train,val,test}.source|.target`, UTF-8,
/// line k of source ↔ line k of target.
///
/// Line rules (Python text mode + `readlines()` + `rstrip("\n")`): lines end at `\n`, `\r\n` or `\r`
/// (universal newlines), the terminator is removed and nothing else (trailing spaces stay); a final line
/// without terminator counts, a final terminator does not start another line; a leading UTF-8 BOM is
/// dropped (the seed reads through `linecache`, which opens files with `tokenize.open`). `prefix` is prepended to each
/// source line. An empty (prefixed) source or empty target line, unequal line counts or invalid UTF-8 are
/// errors naming the file and line. `limit` keeps the first `limit` examples (−1 = all; the seed's n_obs).
public enum Seq2SeqData {
    public static func load(directory: URL, split: String, prefix: String = "", limit: Int = -1) throws -> [Seq2SeqExample] {
        let srcURL = directory.appendingPathComponent(split + ".source")
        let tgtURL = directory.appendingPathComponent(split + ".target")
        let sources = try lines(srcURL), targets = try lines(tgtURL)
        guard sources.count == targets.count else {
            throw TrainError.data("\(srcURL.path) has \(sources.count) lines but \(tgtURL.path) has \(targets.count)")
        }
        let n = limit < 0 ? sources.count : min(limit, sources.count)
        var out: [Seq2SeqExample] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            let s = prefix + sources[i]
            guard !s.isEmpty else { throw TrainError.data("empty source line \(i + 1) in \(srcURL.path)") }
            guard !targets[i].isEmpty else { throw TrainError.data("empty target line \(i + 1) in \(tgtURL.path)") }
            out.append(Seq2SeqExample(source: s, target: targets[i]))
        }
        return out
    }

    /// The lines of a UTF-8 text file under the rules above.
    public static func lines(_ url: URL) throws -> [String] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TrainError.data("cannot read \(url.path): \(FileErrors.reason(error))")
        }
        guard var text = String(data: data, encoding: .utf8) else { throw TrainError.data("\(url.path) is not valid UTF-8") }
        if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }   // linecache's tokenize.open drops a BOM
        return splitLines(text)
    }

    /// Universal-newline split: `\n`, `\r\n`, `\r` end a line; no empty last line after a final terminator.
    public static func splitLines(_ text: String) -> [String] {
        var out: [String] = []
        var current = String.UnicodeScalarView()
        var iterator = text.unicodeScalars.makeIterator()
        var pending = iterator.next()
        while let c = pending {
            pending = iterator.next()
            if c == "\n" || c == "\r" {
                if c == "\r", pending == "\n" { pending = iterator.next() }
                out.append(String(current))
                current = String.UnicodeScalarView()
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { out.append(String(current)) }
        return out
    }
}
