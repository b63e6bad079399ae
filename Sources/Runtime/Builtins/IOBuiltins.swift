import Foundation
import Support

/// The `io` namespace: text files and directory listings. Relative paths are relative to the
/// current directory.
enum IOBuiltins {
    static var table: BuiltinTable {
        BuiltinTable(namespaces: [NamespaceTable("io", doc: "read and write text files, list folders", functions: [
            Builtin("read_text", [Param("path")], "read_text(path) -> String: a whole UTF-8 file (gzip-compressed files, e.g. *.json.gz, are decompressed)") { args in
                .string(try read(try args.string("path"), args.function))
            },
            Builtin("read_lines", [Param("path")], "read_lines(path) -> List of Strings without newlines") { args in
                var lines = try read(try args.string("path"), args.function).components(separatedBy: "\n")
                if lines.last == "" { lines.removeLast() }
                return .list(lines.map { .string($0) })
            },
            Builtin("write_text", [Param("path"), Param("text")],
                    "write_text(path, text): write (replace) a UTF-8 file atomically") { args in
                let path = try args.string("path")
                do {
                    try AtomicFile.write(try args.string("text"), to: URL(fileURLWithPath: path))
                } catch {
                    throw RuntimeError("\(args.function): cannot write \(path): \(FileErrors.reason(error, path: path))")
                }
                return .null
            }.writingOnRankZero(),
            Builtin("list_files", [Param("dir")], "list_files(dir) -> List of names in the folder, sorted") { args in
                let dir = try args.string("dir")
                guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else {
                    throw RuntimeError("\(args.function): cannot list \(dir): no such folder")
                }
                return .list(names.sorted().map { .string($0) })
            },
            Builtin("mkdir", [Param("path")], "mkdir(path): create a folder and any missing parents (nothing when it exists)") { args in
                let path = try args.string("path")
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                    guard isDirectory.boolValue else { throw RuntimeError("\(args.function): \(path) exists and is not a folder") }
                    return .null
                }
                do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
                    throw RuntimeError("\(args.function): cannot create \(path): \(FileErrors.reason(error, path: path))")
                }
                return .null
            },
            Builtin("exists", [Param("path")], "exists(path) -> Bool: a file or folder is there") { args in
                .bool(FileManager.default.fileExists(atPath: try args.string("path")))
            },
        ])])
    }

    private static func read(_ path: String, _ function: String) throws -> String {
        guard var data = FileManager.default.contents(atPath: path) else {
            throw RuntimeError("\(function): cannot read \(path): no such file")
        }
        if Gzip.isGzip(data) { data = try Gzip.decompress(data, source: "\(function): \(path)") }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RuntimeError("\(function): \(path) is not UTF-8 text")
        }
        return text
    }
}
