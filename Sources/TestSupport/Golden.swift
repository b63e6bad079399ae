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

    public static func run(_ executable: String, _ arguments: [String], stdin: String? = nil,
                           currentDirectory: URL? = nil, environment: [String: String]? = nil) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe(), input = Pipe()
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
}
