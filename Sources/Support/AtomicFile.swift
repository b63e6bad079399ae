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
}
