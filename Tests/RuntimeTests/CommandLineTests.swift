import Foundation
import TestSupport
import XCTest

/// The `ragtime` executable: commands, script arguments, notebook cells, stdin scripts, exit codes.
final class CommandLineTests: XCTestCase {
    private let binary = RepoPaths.url(".build/debug/ragtime").path
    private var scratch: URL!

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            XCTFail("\(binary) not built: run `swift build --product ragtime` first (scripts/test does)")
            throw XCTSkip("no binary")
        }
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-cli-\(UUID())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() {
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
        super.tearDown()
    }

    private func ragtime(_ arguments: [String], stdin: String? = nil, extra: [String: String] = [:]) -> Subprocess.Result {
        var environment = ProcessInfo.processInfo.environment
        environment["RAGTIME_STDLIB"] = RepoPaths.url("stdlib").path
        environment.merge(extra) { $1 }
        return Subprocess.run(binary, arguments, stdin: stdin ?? "", currentDirectory: scratch, environment: environment)
    }

    private func write(_ name: String, _ text: String) throws -> String {
        try text.write(to: scratch.appendingPathComponent(name), atomically: true, encoding: .utf8)
        return name
    }

    func testVersionAndHelp() {
        let version = ragtime(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.stdout.hasPrefix("ragtime 0.1.0"), version.stdout)
        XCTAssertTrue(version.stdout.contains("\nfloat32 matmul: OpenBLAS ") && version.stdout.contains("; bf16 matmul: "), version.stdout)
        let help = ragtime(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("ragtime run FILE [--cell N|TITLE] [-- ARGS...]"), help.stdout)
    }

    /// Without bfloat16 kernels (RAGTIME_BF16=0 stands in for such a CPU) a bf16 request computes in float32,
    /// says so once on standard error, and --version names the fallback.
    func testBF16FallsBackToFloat32WithOneNotice() {
        let off = ["RAGTIME_BF16": "0"]
        let result = ragtime(["-e", "print(tensor.precision(\"bf16\"))\nprint((tensor.ones([2, 3]) @ tensor.ones([3, 2])).tolist())\nprint(tensor.precision(\"bf16\"))"], extra: off)
        XCTAssertEqual(result.stdout.split(separator: "\n").first, "float32", result.stderr)
        XCTAssertEqual(result.stderr.components(separatedBy: "computing in float32").count - 1, 1, result.stderr)
        XCTAssertTrue(ragtime(["--version"], extra: off).stdout.contains("bf16 matmul: unavailable"))
    }

    func testInlineCodeStdinAndArguments() {
        XCTAssertEqual(ragtime(["-e", "print(1 + 1)"]).stdout, "2\n")
        XCTAssertEqual(ragtime(["-e", "args", "--", "a", "b c"]).stdout, "[\"a\", \"b c\"]\n")
        let piped = ragtime([], stdin: "x = 20\nx + 22\n")
        XCTAssertEqual(piped.stdout, "42\n")
        XCTAssertEqual(piped.status, 0)
    }

    func testRunWithArgumentsAndImportFromScriptFolder() throws {
        _ = try write("helper.rag", "fn twice(x) { return 2 * x }\n")
        let script = try write("main.rag", "import \"helper\"\nimport \"prelude\"\nmap(twice, [len(args), 5])\nargs\n")
        let result = ragtime(["run", script, "--", "one", "two"])
        XCTAssertEqual(result.stderr, "")
        XCTAssertEqual(result.stdout, "[4, 10]\n[\"one\", \"two\"]\n")
    }

    func testCellsRunUpToTheNamedCell() throws {
        let script = try write("nb.rag", """
            print("preamble")
            #%% load
            x = 1
            #%% train step
            x = x + 10
            x
            #%% report
            print("report", x)
            """)
        XCTAssertEqual(ragtime(["run", script, "--cell", "1"]).stdout, "preamble\n")
        XCTAssertEqual(ragtime(["run", script, "--cell", "train step"]).stdout, "preamble\n11\n")
        XCTAssertEqual(ragtime(["run", script, "--cell", "3"]).stdout, "preamble\n11\nreport 11\n")
        let missing = ragtime(["run", script, "--cell", "evaluate"])
        XCTAssertEqual(missing.status, 64)
        XCTAssertEqual(missing.stderr, "ragtime: nb.rag has no cell 'evaluate' (cells: 1: load, 2: train step, 3: report)\n")
    }

    func testUsageErrorsExit64() {
        for arguments in [["frobnicate"], ["run"], ["run", "no-such-file.rag"], ["-e"], ["run", "a.rag", "--bogus"]] {
            let result = ragtime(arguments)
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("ragtime: "), result.stderr)
        }
    }

    func testErrorExitCodes() throws {
        let syntax = ragtime(["-e", "x = (1"])
        XCTAssertEqual(syntax.status, 65)
        XCTAssertEqual(syntax.stderr, "<-e>:1:5: error: '(' is never closed\n    x = (1\n        ^\n")
        let runtime = ragtime(["-e", "print(\"before\")\n[1][5]"])
        XCTAssertEqual(runtime.status, 70)
        XCTAssertEqual(runtime.stdout, "before\n")
        XCTAssertTrue(runtime.stderr.hasPrefix("<-e>:2:4: error: list index 5 out of range (length 1)"), runtime.stderr)
    }

    func testSigintStopsABatchRunWith130() throws {
        let script = try write("loop.rag", "print(\"started\")\ni = 0\nwhile true { i += 1 }\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["run", script]
        process.currentDirectoryURL = scratch
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Wait for the loop to start, then interrupt it.
        let started = out.fileHandleForReading.availableData
        XCTAssertEqual(String(decoding: started, as: UTF8.self), "started\n")
        Thread.sleep(forTimeInterval: 0.2)
        process.interrupt()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130)
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(message.hasPrefix("loop.rag:3:1: error: interrupted"), message)
    }
}
