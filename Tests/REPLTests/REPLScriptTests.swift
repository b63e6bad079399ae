import Foundation
import REPL
import Runtime
import TestSupport
import XCTest

/// `:load scripts/test_rag_new_features.rag` in a REPL session gives the key lines of its batch transcript
/// (test_dir/golden/scripts/test_rag_new_features.out), and the session keeps the script's variables.
final class REPLScriptTests: XCTestCase {
    func testLoadRagNewFeaturesScript() throws {
        // The script's paths are relative to the repository root, as for `ragtime run`.
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(RepoPaths.root.path))
        let interpreter = Interpreter(options: .init(stdlibPath: RepoPaths.url("stdlib").path))
        let out = StringSink(), err = StringSink()
        let reader = ScriptedLineReader(lines: [":load scripts/test_rag_new_features.rag", "rag_model.end_to_end",
                                                "nonzero_grads(ctx_encoder) > 0"])
        REPLSession(interpreter: interpreter, reader: reader, output: out, errors: err).run()
        XCTAssertEqual(err.text, "")
        let golden = try String(contentsOf: RepoPaths.url("test_dir/golden/scripts/test_rag_new_features.out"), encoding: .utf8)
        let keyLines = golden.split(separator: "\n").filter {
            $0.hasPrefix("context encoder parameters with gradient") || $0.hasPrefix("original RAG loss")
                || $0.hasPrefix("end-to-end RAG loss") || $0.hasPrefix("end to end:") || $0.hasPrefix("OK:")
        }
        XCTAssertEqual(keyLines.count, 6, golden)
        XCTAssertTrue(keyLines.contains("context encoder parameters with gradient: 0 of 21"), golden)
        XCTAssertTrue(keyLines.contains("context encoder parameters with gradient: 21 of 21"), golden)
        for line in keyLines { XCTAssertTrue(out.text.contains(line + "\n"), "missing in the REPL transcript: \(line)\n\(out.text)") }
        XCTAssertTrue(out.text.hasSuffix("true\ntrue\n\n"), out.text)
    }
}
