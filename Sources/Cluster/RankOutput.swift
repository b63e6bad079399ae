import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What ranks other than 0 do with their standard output and standard error.
///
/// A job prints once: by default rank 0 writes as a plain run does and every other rank's output
/// (prints, progress, notices) goes to /dev/null; with `RAGTIME_MPI_OUTPUT=all` every rank writes,
/// each line prefixed with `[rank N] `. Errors that end a rank always reach the terminal
/// (`Cluster.reportError`), prefixed with the rank.
extension Cluster {
    nonisolated(unsafe) private static var errorDescriptor: Int32 = 2
    nonisolated(unsafe) private static var drains: [DispatchSemaphore] = []

    /// Applies the rule above; call once after `start()`, before anything is printed.
    public static func routeOutput() {
        guard isDistributed, rank > 0 else { return }
        errorDescriptor = dup(2)
        if ProcessInfo.processInfo.environment["RAGTIME_MPI_OUTPUT"] == "all" {
            for fd in [Int32(1), 2] { prefixLines(of: fd) }
            atexit { Cluster.drainPrefixedOutput() }
        } else {
            let null = open("/dev/null", O_WRONLY)
            if null >= 0 { dup2(null, 1); dup2(null, 2); close(null) }
        }
    }

    /// Writes a message that ends this rank to the terminal whatever `routeOutput` did, naming the
    /// rank in a job of several.
    public static func reportError(_ message: String) {
        let text = (size > 1 ? "rank \(rank): " : "") + message + "\n"
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(errorDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }

    /// Replaces `fd` with a pipe whose reader thread copies each line to the original, prefixed.
    private static func prefixLines(of fd: Int32) {
        let original = dup(fd)
        var ends: [Int32] = [0, 0]
        guard original >= 0, pipe(&ends) == 0 else { return }
        dup2(ends[1], fd)
        close(ends[1])
        let done = DispatchSemaphore(value: 0)
        drains.append(done)
        let prefix = Array("[rank \(rank)] ".utf8)
        let reader = ends[0]
        Thread.detachNewThread {
            var atLineStart = true
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(reader, $0.baseAddress!, $0.count) }
                if n <= 0 { break }
                var out: [UInt8] = []
                for byte in buffer[0 ..< n] {
                    if atLineStart { out += prefix }
                    out.append(byte)
                    atLineStart = byte == 10
                }
                out.withUnsafeBytes { _ = write(original, $0.baseAddress!, $0.count) }
            }
            done.signal()
        }
    }

    /// At exit: close this process's ends of the pipes and let the readers copy what is left.
    private static func drainPrefixedOutput() {
        fflush(nil)
        close(1)
        close(2)
        for done in drains { _ = done.wait(timeout: .now() + 2) }
    }
}
