import Foundation
import Tensor
import XCTest
@testable import Models

/// Round trip through transformers: models that Ragtime initialises from the fixture configs with fixed
/// seeds are saved, loaded by transformers (scripts/fixtures/models.py roundtrip DIR), and transformers'
/// outputs are recorded in roundtrip.json/.safetensors. Ragtime must reproduce them, which shows that its
/// files load in transformers with the same meaning. Regenerate with:
///     RAGTIME_ROUNDTRIP_OUT=/tmp/rt swift test --filter RoundTripTests
///     $PYTHON scripts/fixtures/models.py roundtrip /tmp/rt
final class RoundTripTests: XCTestCase {
    static let seeds: [String: UInt64] = ["dpr_question": 7, "dpr_ctx": 8, "bart": 9]

    func makeModels() throws -> (q: DPREncoder, c: DPREncoder, g: BartModel) {
        let dprConfig = try BertConfig(json: ConfigReader.load(ModelFixture.folder("dpr_question").appendingPathComponent("config.json")))
        let bartConfig = try BartModel.load(from: ModelFixture.folder("bart")).config
        return (try DPREncoder(kind: .question, config: dprConfig, seed: Self.seeds["dpr_question"]!),
                try DPREncoder(kind: .context, config: dprConfig, seed: Self.seeds["dpr_ctx"]!),
                try BartModel(config: bartConfig, seed: Self.seeds["bart"]!))
    }

    func testTransformersReproducesRagtimeSavedModels() throws {
        let (q, c, g) = try makeModels()
        if let out = ProcessInfo.processInfo.environment["RAGTIME_ROUNDTRIP_OUT"] {
            let dir = URL(fileURLWithPath: out)
            try q.save(to: dir.appendingPathComponent("dpr_question"))
            try c.save(to: dir.appendingPathComponent("dpr_ctx"))
            try g.save(to: dir.appendingPathComponent("bart"))
        }
        let fx = try ModelFixture("roundtrip")
        let dpr = try ModelFixture("dpr"), bart = try ModelFixture("bart")
        let ids = try dpr.ints("input_ids"), mask = try dpr.ints("attention_mask")
        for (name, model) in [("dpr_question", q), ("dpr_ctx", c)] {
            let o = try model(inputIds: ids, attentionMask: mask)
            assertClose(o.lastHiddenState, try fx.tensor("\(name).last_hidden_state"), atol: 1e-4, "\(name) hidden")
            assertClose(o.pooled, try fx.tensor("\(name).pooled"), atol: 1e-4, "\(name) pooled")
        }
        let src = try bart.ints("input_ids"), smask = try bart.ints("attention_mask"), labels = try bart.ints("labels")
        let out = try g(inputIds: src, attentionMask: smask, labels: labels)
        assertClose(out.logits, try fx.tensor("bart.logits"), atol: 1e-4, "bart logits")
        let loss = Float(try XCTUnwrap(fx.json["bart_loss"] as? Double))
        XCTAssertEqual(try XCTUnwrap(out.loss).item(), loss, accuracy: abs(loss) * 1e-5)
        var beam = g.config.generation
        beam.numBeams = 4
        beam.maxLength = 12
        XCTAssertEqual(try g.generate(inputIds: src, attentionMask: smask, config: beam),
                       try XCTUnwrap(fx.json["bart_beam4_ids"] as? [[Int]]))
        // The configs transformers read back are the ones Ragtime wrote.
        let qConfig = try XCTUnwrap(fx.json["dpr_question"] as? [String: Any])
        XCTAssertEqual(try BertConfig(json: qConfig), q.config)
    }
}
