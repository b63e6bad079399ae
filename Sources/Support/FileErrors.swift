import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Why a file operation failed, in words a user can act on ("Not a directory", "No space left on device",
/// "Permission denied"): the POSIX error under Foundation's error when there is one, else the meaning of
/// Foundation's code. Foundation's own `localizedDescription` on Linux is often only "The operation could not
/// be completed" or "(NSCocoaErrorDomain error 512.)".
public enum FileErrors {
    public static func reason(_ error: Error) -> String {
        if let failure = error as? AtomicFile.Failure { return failure.reason }
        let ns = error as NSError
        if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        if ns.domain == NSCocoaErrorDomain, let known = cocoa[ns.code] { return known }
        return ns.localizedDescription
    }

    /// `reason(error)` for an operation on `path`; when Foundation gives no POSIX cause, the path itself is
    /// examined for the usual ones: a parent that is a file, or a folder that does not exist.
    public static func reason(_ error: Error, path: String) -> String {
        if let failure = error as? AtomicFile.Failure { return failure.reason }
        let ns = error as NSError
        let hasPOSIX = ns.domain == NSPOSIXErrorDomain || (ns.userInfo[NSUnderlyingErrorKey] as? NSError)?.domain == NSPOSIXErrorDomain
        if !hasPOSIX {
            var folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            var missing: URL?
            while folder.path != "/" {
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) {
                    if !isFolder.boolValue { return "\(folder.path) is a file, not a folder" }
                    break
                }
                missing = folder
                folder.deleteLastPathComponent()
            }
            if let missing { return "the folder \(missing.path) does not exist" }
        }
        return reason(error)
    }

    /// Foundation's file error codes (CocoaError.Code) that arrive without a POSIX error.
    static let cocoa: [Int: String] = [
        4: "No such file or directory", 257: "Permission denied", 260: "No such file or directory",
        261: "Not valid text in the expected encoding", 513: "Permission denied", 516: "File exists",
        512: "The file could not be written", 640: "No space left on device", 642: "Read-only file system",
    ]
}
