import Foundation

/// Whole-file writes that never leave a half-written file: the bytes go to a temporary file beside the target,
/// which is then renamed over it (Foundation's atomic write), so a reader sees the old file or the new one. The
/// one owner of single-file saves (metrics, curves, configs, tokenizer and optimizer JSON, faiss indexes,
/// `io.write_text`); folders are `AtomicFolder`'s. Errors name the file and the cause in words (`FileErrors`).
public enum AtomicFile {
    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    public static func write(_ data: Data, to url: URL) throws {
        do { try data.write(to: url, options: .atomic) } catch {
            throw Failure(path: url.path, reason: FileErrors.reason(error, path: url.path))
        }
    }

    public static func write(_ text: String, to url: URL) throws { try write(Data(text.utf8), to: url) }

    /// A large file streamed by `body` (which returns false when a write failed) into a hidden temporary file
    /// beside `url` (`.NAME.tmp-PID-RANDOM`), renamed over `url` once complete and closed; on any failure the
    /// temporary file is removed and `url` is untouched. For files too large to assemble in memory first
    /// (safetensors weights and embeddings).
    public static func stream(to url: URL, _ body: (UnsafeMutablePointer<FILE>) throws -> Bool) throws {
        let temp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))").path
        guard let file = fopen(temp, "wb") else {
            throw Failure(path: url.path, reason: "cannot create \(temp): \(String(cString: strerror(errno)))")
        }
        var ok = false
        do { ok = try body(file) } catch {
            fclose(file)
            unlink(temp)
            throw error
        }
        ok = (fclose(file) == 0) && ok
        guard ok, rename(temp, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw Failure(path: url.path, reason: reason)
        }
    }
}
