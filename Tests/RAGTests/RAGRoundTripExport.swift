import Foundation
import KB
import Models
import Tensor
import XCTest

/// Writes a Ragtime-saved RAG checkpoint (+ ctx encoder folder) for scripts/fixtures/rag_roundtrip.py when
/// `RAGTIME_RAG_ROUNDTRIP_OUT` is set; otherwise skipped. The script loads it with transformers and checks
/// the end-to-end loss (docs/rag.md "Round trip with transformers").
final class RAGRoundTripExport: XCTestCase {
    func testExportForTransformers() throws {
        guard let out = ProcessInfo.processInfo.environment["RAGTIME_RAG_ROUNDTRIP_OUT"] else {
            throw XCTSkip("set RAGTIME_RAG_ROUNDTRIP_OUT=/tmp/dir to export a checkpoint for scripts/fixtures/rag_roundtrip.py")
        }
        let f = try RAGFixture()
        let m = try f.model(RagTokenForGeneration.self, endToEnd: true)
        let dir = URL(fileURLWithPath: out)
        try m.save(to: dir.appendingPathComponent("checkpoint"), saveStep: 1)
        try m.saveContextEncoder(to: dir.appendingPathComponent("ctx_encoder"))
    }
}
