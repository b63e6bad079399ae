/// The seed's raw KB reader (rag-end2end-retriever `use_own_knowledge_dataset.py` (raw CSV)): pandas `read_csv(sep="\t", header=None,
/// names=["title", "text"])` semantics, as `datasets.load_dataset("csv", …)` uses them:
/// * a field that *starts* with `"` is quoted: inside it `""` is one quote, tabs and line breaks are
///   literal, and text after the closing quote up to the next tab is appended to the field;
///   a `"` anywhere else is an ordinary character;
/// * lines end at `\n`, `\r\n` or `\r`; empty lines and lines of spaces only are skipped;
///   a leading UTF-8 byte-order mark is dropped;
/// * empty fields and pandas' default NA strings (`NA`, `null`, `NaN`, `None`, `N/A`, …) are null;
/// * a row with one field has a null text; a row with three or more fields is malformed (pandas
///   raises "Expected 2 fields"), as is a quoted field still open at the end of the file.
/// Not reproduced: pandas turning an all-numeric column into numbers (docs/rag-parity.md (version differences) item 10); values stay strings.
enum PandasTSV {
    /// pandas' default `na_values` (pandas 2.x `STR_NA_VALUES`).
    static let naValues: Set<String> = [
        "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
        "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
    ]

    struct Row {
        var line: Int
        var fields: [String]
    }

    /// Splits `text` into rows of fields; rows that cannot be tokenized go to `malformed`.
    static func rows(_ text: String, malformed: inout [MalformedRow]) -> [Row] {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var rows: [Row] = []
        var i = 0
        var line = 1
        let n = scalars.count
        while i < n {
            let startLine = line
            var fields: [String] = []
            var field = String.UnicodeScalarView()
            var inQuotes = false
            var fieldStart = true
            var rowEnded = false
            var onlySpaces = true
            while i < n {
                let c = scalars[i]
                if inQuotes {
                    if c == "\"" {
                        if i + 1 < n && scalars[i + 1] == "\"" {
                            field.append("\""); i += 2; continue
                        }
                        inQuotes = false; i += 1; continue
                    }
                    if c == "\n" || (c == "\r" && !(i + 1 < n && scalars[i + 1] == "\n")) { line += 1 }
                    field.append(c); i += 1; continue
                }
                if c == "\t" {
                    fields.append(String(field)); field = String.UnicodeScalarView()
                    fieldStart = true; onlySpaces = false; i += 1; continue
                }
                if c == "\n" || c == "\r" {
                    i += (c == "\r" && i + 1 < n && scalars[i + 1] == "\n") ? 2 : 1
                    line += 1
                    rowEnded = true
                    break
                }
                if c == "\"" && fieldStart {
                    inQuotes = true; fieldStart = false; onlySpaces = false; i += 1; continue
                }
                if c != " " { onlySpaces = false }
                fieldStart = false
                field.append(c); i += 1
            }
            if inQuotes {
                malformed.append(MalformedRow(line: startLine, reason: "quoted field not closed before the end of the file"))
                break
            }
            _ = rowEnded
            fields.append(String(field))
            if onlySpaces && fields.count == 1 { continue }   // blank or spaces-only line
            rows.append(Row(line: startLine, fields: fields))
        }
        return rows
    }

    static func nullable(_ s: String) -> String? { naValues.contains(s) ? nil : s }
}
