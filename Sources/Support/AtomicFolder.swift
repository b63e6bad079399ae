import Foundation

/// Saving a folder so that a failure never leaves a partial one (the rule every Ragtime save follows: models,
/// tokenizers, optimizer state, checkpoints, knowledge bases).
///
/// `update(folder, owns:)` builds the new contents in a hidden sibling folder (`.NAME.tmp-PID-RANDOM`), then
/// carries over the files of the existing folder that this save does not own (a tokenizer saved into a model's
/// folder keeps the model's files, and the other way round), and swaps: the old folder is renamed aside, the new
/// one renamed into place, the old one removed. A failure before the swap removes the sibling and leaves the
/// existing folder as it was; the renames are atomic on one filesystem, so a crash between them leaves the old
/// folder under its hidden `.NAME.old-...` name, never a half-written one under NAME.
///
/// `owns` lists the names this kind of save writes (files or subfolders). Names in the existing folder that are
/// owned but not written this time are stale and dropped (a BPE tokenizer saved over a WordPiece one loses
/// `vocab.txt`); names not owned are kept (hard-linked, or copied across filesystems).
public enum AtomicFolder {
    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let message: String
        public var description: String { "\(path): \(message)" }
    }

    public static func update(_ folder: URL, owns: Set<String>, _ write: (URL) throws -> Void) throws {
        try save(folder, owns: { owns.contains($0) }, write)
    }

    /// `update` that owns every name: the folder's old contents are replaced as a whole (a checkpoint).
    public static func replace(_ folder: URL, _ write: (URL) throws -> Void) throws {
        try save(folder, owns: { _ in true }, write)
    }

    /// The hidden siblings a save of `folder` uses: `.NAME.tmp-…` while building, `.NAME.old-…` during the swap.
    public static func isWorkingSibling(_ name: String, of folderName: String) -> Bool {
        name.hasPrefix(".\(folderName).tmp-") || name.hasPrefix(".\(folderName).old-")
    }

    private static func save(_ folder: URL, owns: (String) -> Bool, _ write: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let parent = folder.deletingLastPathComponent()
        removeLeftovers(of: folder)
        let token = "\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0 ... .max))"
        let temp = parent.appendingPathComponent(".\(folder.lastPathComponent).tmp-\(token)")
        do {
            try fm.createDirectory(at: temp, withIntermediateDirectories: true)
        } catch {
            throw Failure(path: folder.path, message: "cannot create \(temp.lastPathComponent) beside it: \(FileErrors.reason(error, path: temp.path))")
        }
        do { try write(temp) } catch {
            try? fm.removeItem(at: temp)
            throw error  // the writer's own error, unchanged; the existing folder was not touched
        }
        do {
            var isDirectory: ObjCBool = false
            let exists = fm.fileExists(atPath: folder.path, isDirectory: &isDirectory)
            if exists && !isDirectory.boolValue {
                throw Failure(path: folder.path, message: "exists and is not a folder")
            }
            if exists {
                let written = Set(try fm.contentsOfDirectory(atPath: temp.path))
                for name in try fm.contentsOfDirectory(atPath: folder.path) where !owns(name) && !written.contains(name) {
                    try carry(folder.appendingPathComponent(name), to: temp.appendingPathComponent(name))
                }
                let aside = parent.appendingPathComponent(".\(folder.lastPathComponent).old-\(token)")
                try fm.moveItem(at: folder, to: aside)
                do { try fm.moveItem(at: temp, to: folder) } catch {
                    try? fm.moveItem(at: aside, to: folder)  // put the old folder back
                    throw error
                }
                try? fm.removeItem(at: aside)
            } else {
                try fm.moveItem(at: temp, to: folder)
            }
        } catch {
            try? fm.removeItem(at: temp)
            if error is Failure { throw error }
            throw Failure(path: folder.path, message: "cannot put the saved folder in place, the previous contents are unchanged: \(describe(error))")
        }
    }

    /// Removes what an earlier, killed save of `folder` left beside it: `.NAME.tmp-…` folders always, a
    /// `.NAME.old-…` folder only when NAME exists (otherwise it is the only copy and stays for the user).
    private static func removeLeftovers(of folder: URL) {
        let fm = FileManager.default
        let parent = folder.deletingLastPathComponent(), name = folder.lastPathComponent
        let hasFolder = fm.fileExists(atPath: folder.path)
        for sibling in (try? fm.contentsOfDirectory(atPath: parent.path)) ?? [] where isWorkingSibling(sibling, of: name) {
            if sibling.hasPrefix(".\(name).old-") && !hasFolder { continue }
            try? fm.removeItem(at: parent.appendingPathComponent(sibling))
        }
    }

    /// A hard link where possible (same filesystem, not a folder), else a recursive copy.
    private static func carry(_ source: URL, to target: URL) throws {
        let fm = FileManager.default
        if (try? fm.linkItem(at: source, to: target)) != nil { return }
        try fm.copyItem(at: source, to: target)
    }

    /// The error's own description, with Foundation's file errors reduced to their message and path.
    public static func describe(_ error: Error) -> String {
        if let failure = error as? Failure { return failure.description }
        return FileErrors.reason(error)
    }
}
