import Foundation
import XCTest

/// Exact comparison of produced text against an expectation file, with a unified diff on mismatch.
/// With `RAGTIME_RECORD=1` in the environment the file is (re)written and the check fails, so a
/// recording run can never pass by accident.
public enum Golden {
    public static var isRecording: Bool { ProcessInfo.processInfo.environment["RAGTIME_RECORD"] == "1" }

    /// Compares `actual` with the file at `expected`; a missing file counts as empty text.
    public static func check(_ actual: String, against expected: URL, label: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        let existing = (try? String(contentsOf: expected, encoding: .utf8))
        if isRecording {
            if existing != actual {
                do {
                    try actual.write(to: expected, atomically: true, encoding: .utf8)
                } catch {
                    XCTFail("\(label): cannot record \(expected.path): \(error)", file: file, line: line)
                    return
                }
            }
            XCTFail("\(label): recorded \(expected.lastPathComponent) (RAGTIME_RECORD=1 always fails)",
                    file: file, line: line)
            return
        }
        guard let existing else {
            XCTFail("\(label): missing expectation \(expected.path) (run with RAGTIME_RECORD=1)", file: file, line: line)
            return
        }
        if existing != actual {
            XCTFail("\(label): output differs from \(expected.lastPathComponent)\n"
                        + unifiedDiff(expected: existing, actual: actual), file: file, line: line)
        }
    }

    /// `diff -u expected actual` as text.
    public static func unifiedDiff(expected: String, actual: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-golden-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("expected"), b = dir.appendingPathComponent("actual")
        try? expected.write(to: a, atomically: true, encoding: .utf8)
        try? actual.write(to: b, atomically: true, encoding: .utf8)
        let result = Subprocess.run("/usr/bin/diff", ["-u", a.path, b.path])
        return result.stdout.isEmpty ? "(texts differ only in ways diff cannot show)" : result.stdout
    }
}

/// Runs a program to completion and captures its output.
public enum Subprocess {
    public struct Result {
        public let stdout: String
        public let stderr: String
        public let status: Int32
    }

    /// Starts a program in the background with its output discarded (e.g. to kill it mid-run); the caller waits.
    public static func start(_ executable: String, _ arguments: [String], currentDirectory: URL? = nil,
                             environment: [String: String]? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        if let environment { process.environment = environment }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// - Parameter detached: output to /dev/null, started with `posix_spawn` and reaped with `waitpid`
    ///   (for commands that leave a daemon behind, like `tmux new-session`, which would keep
    ///   Foundation's `Process` waiting on inherited descriptors).
    public static func run(_ executable: String, _ arguments: [String], stdin: String? = nil,
                           currentDirectory: URL? = nil, environment: [String: String]? = nil,
                           detached: Bool = false) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe(), input = Pipe()
        if detached { return spawnAndWait(executable, arguments) }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        do {
            try process.run()
        } catch {
            return Result(stdout: "", stderr: "cannot run \(executable): \(error)", status: -1)
        }
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        // Read both pipes concurrently so a full pipe never blocks the child.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self),
                      status: process.terminationStatus)
    }

    private static func spawnAndWait(_ executable: String, _ arguments: [String]) -> Result {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in 0...2 {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { return Result(stdout: "", stderr: "cannot run \(executable)", status: -1) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exited = status & 0x7f == 0
        return Result(stdout: "", stderr: "", status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f))
    }
}
