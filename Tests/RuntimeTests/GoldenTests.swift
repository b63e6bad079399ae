import Foundation
import Runtime
import TestSupport
import XCTest

/// Runs every `test_dir/golden/**/NAME.rag` and compares exactly:
/// - standard output with `NAME.out`;
/// - for a script that must fail, `NAME.err`: first line `exit: CODE`, then the exact error text.
/// Each case runs in-process through `Interpreter.run` and again through the built `ragtime` binary
/// (`ragtime run test_dir/golden/...` from the repository root), so both paths give one transcript.
final class GoldenTests: XCTestCase {
    static let root = RepoPaths.root

    static func cases() -> [URL] {
        let dir = RepoPaths.url("test_dir/golden")
        guard let walker = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) else { return [] }
        // Files under `_lib/` folders are modules imported by cases, not cases.
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "rag" && !$0.path.contains("/_lib/") }
            .sorted { $0.path < $1.path }
    }

    /// Repository scripts whose transcripts are golden too (expectations in `test_dir/golden/scripts/`).
    static let scriptCases = ["scripts/test_rag_new_features.rag", "scripts/test_finetune.rag"]

    /// Every case: the golden folder's scripts, then `scriptCases`.
    static func allCases() -> [URL] { cases() + scriptCases.map { RepoPaths.url($0) } }

    /// `NAME` of `NAME.out` / `NAME.err`: next to a golden case, or in `test_dir/golden/scripts/`.
    static func expectationBase(_ script: URL) -> URL {
        guard scriptCases.contains(relativePath(script)) else { return script.deletingPathExtension() }
        return RepoPaths.url("test_dir/golden/scripts").appendingPathComponent(script.deletingPathExtension().lastPathComponent)
    }

    static func relativePath(_ url: URL) -> String {
        String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
    }

    /// The expected transcript of a case, as one text: stdout, then (if failing) `exit: N` + stderr.
    static func transcript(stdout: String, stderr: String, status: Int32) -> (out: String, err: String?) {
        status == 0 && stderr.isEmpty ? (stdout, nil) : (stdout, "exit: \(status)\n" + stderr)
    }

    override func setUp() {
        super.setUp()
        // Scripts use paths relative to the repository root, as the binary run from there does.
        _ = FileManager.default.changeCurrentDirectoryPath(Self.root.path)
    }

    func testThereAreEnoughCases() {
        XCTAssertGreaterThanOrEqual(Self.cases().count, 40)
    }

    func testGoldenCasesThroughInterpreter() throws {
        for script in Self.allCases() {
            let name = Self.relativePath(script)
            let source = try String(contentsOf: script, encoding: .utf8)
            let interpreter = Interpreter(options: .init(stdlibPath: RepoPaths.url("stdlib").path))
            let out = StringSink()
            var stderr = ""
            var status: Int32 = 0
            do {
                try interpreter.run(source: source, name: name, output: out)
            } catch {
                stderr = error.rendered + "\n"
                status = error.exitCode
            }
            check(name: name, script: script, stdout: out.text, stderr: stderr, status: status, via: "interpreter")
        }
    }

    func testGoldenCasesThroughBinary() throws {
        let binary = RepoPaths.url(".build/debug/ragtime").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            XCTFail("\(binary) not built: run `swift build --product ragtime` first (scripts/test does)")
            return
        }
        var environment = ProcessInfo.processInfo.environment
        environment["RAGTIME_STDLIB"] = RepoPaths.url("stdlib").path
        for script in Self.allCases() {
            let name = Self.relativePath(script)
            let result = Subprocess.run(binary, ["run", name], currentDirectory: Self.root, environment: environment)
            check(name: name, script: script, stdout: result.stdout, stderr: result.stderr, status: result.status,
                  via: "binary")
        }
    }

    private func check(name: String, script: URL, stdout: String, stderr: String, status: Int32, via: String) {
        let (out, err) = Self.transcript(stdout: stdout, stderr: stderr, status: status)
        let base = Self.expectationBase(script)
        Golden.check(out, against: base.appendingPathExtension("out"), label: "\(name) [\(via)] stdout")
        let errFile = base.appendingPathExtension("err")
        if let err {
            Golden.check(err, against: errFile, label: "\(name) [\(via)] error")
        } else if FileManager.default.fileExists(atPath: errFile.path) {
            if Golden.isRecording {
                try? FileManager.default.removeItem(at: errFile)
                XCTFail("\(name): removed \(errFile.lastPathComponent) (the script now succeeds)")
            } else {
                XCTFail("\(name) [\(via)]: expected a failure (\(errFile.lastPathComponent)) but the script succeeded")
            }
        }
    }
}
