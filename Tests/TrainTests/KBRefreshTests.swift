import Foundation
import KB
import Models
import Tokenizers
import TestSupport
import Train
import XCTest

/// A deterministic stand-in for a context-encoder snapshot: vectors from the passage text and a "weight".
private struct ToyEncoder: PassageEncoder {
    let weight: Float
    var dimension: Int { 4 }
    var fingerprint: String { "toy-\(weight)" }
    func encode(titles: [String], texts: [String]) throws -> [Float] {
        zip(titles, texts).flatMap { title, text -> [Float] in
            let u = Array((title + " " + text).unicodeScalars.prefix(64))
            return (0..<4).map { k in
                u.enumerated().reduce(Float(0)) { acc, e in acc + Float(e.element.value % 7) * sin(Float(e.offset + k) * weight) } / 64
            }
        }
    }
}

final class KBRefreshTests: XCTestCase {
    func testRebuildInBackgroundAndSwap() throws {
        let live = try KnowledgeBase.fromRaw(RepoPaths.url("test_dir/dummy-kb/my_knowledge_dataset.csv"))
        XCTAssertEqual(live.count, 6)
        try live.encode(with: ToyEncoder(weight: 0.3))
        try live.buildIndex(.flat)
        let q: [Float] = [0.2, -0.1, 0.4, 0.3]
        let before = try live.retrieve(questionEmbeddings: q, nDocs: 6)

        // Direct rebuild with the new weights, 1 shard vs 4 shards: same KB.
        let one = try KBRefresh.rebuild(passages: live.passages, manifest: live.manifest, encoder: ToyEncoder(weight: 0.9), index: .flat)
        let four = try KBRefresh.rebuild(passages: live.passages, manifest: live.manifest, encoder: ToyEncoder(weight: 0.9), shards: 4, index: .flat)
        XCTAssertEqual(one.embeddings, four.embeddings)
        XCTAssertNotEqual(one.embeddings, live.embeddings)
        XCTAssertFalse(one.isStale(for: ToyEncoder(weight: 0.9)))

        // Through the trainer's seam: snapshot now, build in the background, swap at poll.
        var current = live
        let refresh = BackgroundRefresh(
            snapshot: { (passages: current.passages, manifest: current.manifest, encoder: ToyEncoder(weight: 0.9)) },
            build: { s in try KBRefresh.rebuild(passages: s.passages, manifest: s.manifest, encoder: s.encoder, index: .hnsw()) },
            install: { current = $0 })
        XCTAssertTrue(refresh.trigger(step: 10))
        refresh.waitForCompletion()
        XCTAssertTrue(current === live, "nothing is swapped before a step boundary")
        let rec = try XCTUnwrap(refresh.poll(step: 12))
        XCTAssertNil(rec.error)
        XCTAssertFalse(current === live)
        XCTAssertEqual(current.embeddings, one.embeddings)
        XCTAssertEqual(try current.retrieve(questionEmbeddings: q, nDocs: 6).docIds.sorted(), Array(0..<6))
        XCTAssertEqual(try live.retrieve(questionEmbeddings: q, nDocs: 6), before, "the old KB is untouched")

        // A failing rebuild keeps the current KB and says why.
        let installed = current
        let failing = BackgroundRefresh(snapshot: { [Passage]() },
                                        build: { p in try KBRefresh.rebuild(passages: p, manifest: live.manifest, encoder: ToyEncoder(weight: 1)) },
                                        install: { current = $0 })
        XCTAssertTrue(failing.trigger(step: 20))
        failing.waitForCompletion()
        let bad = try XCTUnwrap(failing.poll(step: 21))
        XCTAssertTrue(bad.error?.contains("no passages") ?? false, "\(bad)")
        XCTAssertTrue(current === installed)
    }
}

final class DPRPassageEncoderTests: XCTestCase {
    /// The fixture KB embeddings (kb_encoder, eval mode, ctx tokenizer; rag.json → kb.embeddings) reproduced.
    func testMatchesReferenceKBEmbeddings() throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: RepoPaths.url("test_dir/fixtures/rag/rag.json"))) as! [String: Any]
        let ref = (json["kb"] as! [String: Any])["embeddings"] as! [[Double]]
        let kbEncoder = try DPREncoder.load(from: RepoPaths.url("test_dir/fixtures/rag/kb_encoder"))
        kbEncoder.train()
        let tok = try Tokenizer.load(from: RepoPaths.url("test_dir/fixtures/rag/tokenizers/dpr"))
        let snap = try DPRPassageEncoder.snapshot(of: kbEncoder)
        XCTAssertTrue(kbEncoder.isTraining, "the live encoder keeps its mode")
        XCTAssertFalse(snap.isTraining)
        let enc = try DPRPassageEncoder(encoder: snap, tokenizer: tok, fingerprint: "kb_encoder")
        let kb = try KnowledgeBase.fromRaw(RepoPaths.url("test_dir/dummy-kb/my_knowledge_dataset.csv"))
        let fresh = try KBRefresh.rebuild(passages: kb.passages, manifest: kb.manifest, encoder: enc, index: .flat)
        let got = try XCTUnwrap(fresh.embeddings)
        XCTAssertEqual(got.count, 6 * 32)
        let maxErr = zip(got, ref.flatMap { $0 }).map { abs(Double($0) - $1) }.max()!
        XCTAssertLessThan(maxErr, 1e-4)
        let q = try DPREncoder.load(from: RepoPaths.url("test_dir/fixtures/rag/question_encoder"))
        XCTAssertThrowsError(try DPRPassageEncoder(encoder: q, tokenizer: tok, fingerprint: "q"))
    }
}
