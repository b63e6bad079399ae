import Foundation
import KB
import Models
import Tensor
import XCTest

/// docs/rag-parity.md §5: generated ids must be identical to transformers 5.24's.
final class RAGGenerationTests: XCTestCase {
    nonisolated(unsafe) static let fixture = Result { try RAGFixture() }

    func ids(_ key: String) throws -> [[Int]] {
        let f = try Self.fixture.get()
        return try XCTUnwrap(try f.section("generation.\(key)")["ids"] as? [[Int]], key)
    }

    func testRagTokenGreedy() throws {
        let f = try Self.fixture.get()
        let m = try f.model(RagTokenForGeneration.self, endToEnd: false)
        let out = try m.generate(inputIds: f.inputIds, attentionMask: f.attentionMask, config: m.generationConfig(maxLength: 10, numBeams: 1))
        XCTAssertEqual(out, try ids("rag_token_greedy"))
    }

    func testRagTokenBeam4StandardAndEndToEnd() throws {
        let f = try Self.fixture.get()
        let want = try ids("rag_token_beam4")
        for e2e in [false, true] {
            // End-to-end models generate with the index vectors too (rag_token_beam4_end2end_model_equal).
            let m = try f.model(RagTokenForGeneration.self, endToEnd: e2e)
            let out = try m.generate(inputIds: f.inputIds, attentionMask: f.attentionMask, config: m.generationConfig(maxLength: 10, numBeams: 4))
            XCTAssertEqual(out, want, "end-to-end \(e2e)")
        }
    }

    /// Checks every step of thorough decoding against the record; `viaGenerate` also runs the public `generate`.
    @discardableResult
    func checkSequence(_ key: String, endToEnd: Bool, maxLength: Int, viaGenerate: Bool = false) throws -> [RagSequenceForGeneration.Candidates] {
        let f = try Self.fixture.get()
        let m = try f.model(RagSequenceForGeneration.self, endToEnd: endToEnd)
        let g = m.generationConfig(maxLength: maxLength, numBeams: 4, numReturnSequences: 1)
        let steps = try m.thoroughDecoding(inputIds: f.inputIds, attentionMask: f.attentionMask, config: g)
        let records = try XCTUnwrap(try f.section("generation.\(key)")["candidates"] as? [[String: Any]])
        XCTAssertEqual(steps.count, records.count)
        for (i, (s, r)) in zip(steps, records).enumerated() {
            XCTAssertEqual(s.perDocBeams, try XCTUnwrap(r["per_doc_beams"] as? [[Int]]), "\(key) q\(i) per-doc beams")
            XCTAssertEqual(s.candidates, try XCTUnwrap(r["deduplicated"] as? [[Int]]), "\(key) q\(i) deduplicated")
            let losses = try XCTUnwrap(r["rescoring_loss_exclude_bos"] as? [Double])
            XCTAssertEqual(s.losses.count, losses.count)
            for (g, w) in zip(s.losses, losses) { XCTAssertEqual(Double(g), w, accuracy: 3e-5 * abs(w), "\(key) q\(i) rescoring loss") }
            XCTAssertEqual(s.chosen.first, try XCTUnwrap(r["chosen_index"] as? Int), "\(key) q\(i) winner")
        }
        XCTAssertEqual(steps.map { $0.candidates[$0.chosen[0]] }, try ids(key))
        if viaGenerate {
            XCTAssertEqual(try m.generate(inputIds: f.inputIds, attentionMask: f.attentionMask, config: g), try ids(key))
        }
        return steps
    }

    func testRagSequenceBeam4() throws { try checkSequence("rag_sequence_beam4", endToEnd: false, maxLength: 10, viaGenerate: true) }

    /// max_length 4: candidates coincide across documents and deduplication removes some (20 -> 11/16/18).
    func testRagSequenceDeduplication() throws {
        let steps = try checkSequence("rag_sequence_beam4_max_length4", endToEnd: false, maxLength: 4)
        XCTAssertEqual(steps.map(\.candidates.count), [11, 16, 18])
        let f = try Self.fixture.get()
        let m = try f.model(RagSequenceForGeneration.self, endToEnd: false)
        let all = try m.thoroughDecoding(inputIds: f.inputIds, attentionMask: f.attentionMask,
                                         config: m.generationConfig(maxLength: 4, numBeams: 4), deduplicate: false)
        XCTAssertEqual(all.map(\.candidates.count), [20, 20, 20])
    }

    /// Rescoring calls the forward, so an end-to-end model rescores with ctx-encoder doc scores.
    func testRagSequenceBeam4EndToEnd() throws {
        let steps = try checkSequence("rag_sequence_beam4_end2end", endToEnd: true, maxLength: 10)
        XCTAssertNotEqual(steps.map { $0.candidates[$0.chosen[0]] }, try ids("rag_sequence_beam4"))
    }
}

/// Generation parameters beyond the fixture's calls: num_return_sequences, min_length, validation.
final class RAGGenerationParameterTests: XCTestCase {
    func testReturnSequencesAndMinLength() throws {
        let f = try RAGGenerationTests.fixture.get()
        let m = try f.model(RagTokenForGeneration.self, endToEnd: false)
        let best = try XCTUnwrap(try f.section("generation.rag_token_beam4")["ids"] as? [[Int]])
        let two = try m.generate(inputIds: f.inputIds, attentionMask: f.attentionMask,
                                 config: m.generationConfig(maxLength: 10, numBeams: 4, numReturnSequences: 2))
        XCTAssertEqual(two.count, 6)
        XCTAssertEqual([two[0], two[2], two[4]], best, "the first of each question's returned sequences is the beam-4 winner")
        for i in 0..<3 { XCTAssertNotEqual(two[2 * i], two[2 * i + 1]) }
        // Greedy row 0 ends at position 6 (`[2,477,175,208,175,208,2,…]`); min_length 9 forbids eos before position 9.
        let greedy = try m.generate(inputIds: f.inputIds, attentionMask: f.attentionMask,
                                    config: m.generationConfig(maxLength: 10, minLength: 9, numBeams: 1))
        for row in greedy { XCTAssertFalse(row.prefix(9).dropFirst().contains(2), "\(row)") }
        XCTAssertThrowsError(try m.generate(inputIds: f.inputIds, config: m.generationConfig(numBeams: 2, numReturnSequences: 3)))
        let seq = try f.model(RagSequenceForGeneration.self, endToEnd: false)
        let out = try seq.generate(inputIds: f.inputIds, attentionMask: f.attentionMask,
                                   config: seq.generationConfig(maxLength: 4, numBeams: 2, numReturnSequences: 2))
        XCTAssertEqual(out.count, 6)
        XCTAssertTrue(out.allSatisfy { $0.count == 4 && $0.first == 2 })
    }
}
