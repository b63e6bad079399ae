import Foundation
import NN
import Tensor
import XCTest
@testable import Models

/// Name tables against real checkpoint key lists, save/load round trips, dtype conversion, config errors.
final class CheckpointTests: XCTestCase {
    func fileKeys(_ folder: String) throws -> [String] {
        try SafeTensors.read(ModelFixture.folder(folder).appendingPathComponent("model.safetensors")).keys.sorted()
    }

    func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Every key of the transformers file maps to a tensor and every tensor is in the file (both ways).
    func testNameTablesCoverTransformersCheckpointsExactly() throws {
        let cfg = try BertConfig(json: ConfigReader.load(ModelFixture.folder("dpr_question").appendingPathComponent("config.json")))
        XCTAssertEqual(try DPREncoder(kind: .question, config: cfg, seed: 1).stateDict().map(\.name).sorted(),
                       try fileKeys("dpr_question"))
        XCTAssertEqual(try DPREncoder(kind: .context, config: cfg, seed: 1).stateDict().map(\.name).sorted(), try fileKeys("dpr_ctx"))
        var proj = cfg
        proj.projectionDim = 16
        proj.numHiddenLayers = 1
        XCTAssertEqual(try DPREncoder(kind: .question, config: proj, seed: 1).stateDict().map(\.name).sorted(),
                       try fileKeys("dpr_question_proj"))
        let bart = try BartModel.load(from: ModelFixture.folder("bart"))
        XCTAssertEqual(bart.stateDict().map(\.name).sorted(), try fileKeys("bart"))
        XCTAssertEqual(bart.stateDict().first?.name, "final_logits_bias", "registration order as transformers")
        let aliases = bart.namedTensors(aliases: true).filter { $0.tensor === bart.shared.weight }.map(\.name)
        XCTAssertEqual(aliases, ["model.shared.weight", "model.encoder.embed_tokens.weight",
                                 "model.decoder.embed_tokens.weight", "lm_head.weight"])
        XCTAssertEqual(bart.namedParameters().filter { $0.tensor === bart.shared.weight }.count, 1, "tied weight listed once")
    }

    func testSaveLoadRoundTripKeepsOutputs() throws {
        let dir = try tempDir()
        let fx = try ModelFixture("dpr")
        let q = try DPREncoder.load(from: ModelFixture.folder("dpr_question"))
        try q.save(to: dir.appendingPathComponent("q"))
        let q2 = try DPREncoder.load(from: dir.appendingPathComponent("q"))
        let ids = try fx.ints("input_ids")
        XCTAssertEqual(try q2(inputIds: ids).pooled.scalars, try q(inputIds: ids).pooled.scalars)
        let reference = try Data(contentsOf: ModelFixture.folder("dpr_question").appendingPathComponent("model.safetensors"))
        let written = try Data(contentsOf: dir.appendingPathComponent("q/model.safetensors"))
        XCTAssertEqual(written, reference, "byte-identical to transformers' safetensors writer")

        let g = try BartModel.load(from: ModelFixture.folder("bart"))
        try g.save(to: dir.appendingPathComponent("g"))
        let g2 = try BartModel.load(from: dir.appendingPathComponent("g"))
        XCTAssertEqual(g2.config, g.config)
        let bfx = try ModelFixture("bart")
        let src = try bfx.ints("input_ids")
        XCTAssertEqual(try g2.generate(inputIds: src), try g.generate(inputIds: src))
        XCTAssertEqual(try fileKeys("bart"), try SafeTensors.read(dir.appendingPathComponent("g/model.safetensors")).keys.sorted())
    }

    func testHalfPrecisionTensorsLoadAsFloat32() throws {
        let dir = try tempDir()
        // Header + data written by hand: F16 [1.5, -2], BF16 [0.25, 3], I64 [7] (skipped).
        let header = #"{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]},"c":{"dtype":"I64","shape":[1],"data_offsets":[8,16]}}"#
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        for h in [Float16(1.5), Float16(-2)] { withUnsafeBytes(of: h.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        for f in [Float(0.25), Float(3)] { withUnsafeBytes(of: UInt16(f.bitPattern >> 16).littleEndian) { data.append(contentsOf: $0) } }
        withUnsafeBytes(of: Int64(7).littleEndian) { data.append(contentsOf: $0) }
        let url = dir.appendingPathComponent("m.safetensors")
        try data.write(to: url)
        // Through the model loader's path (Tensor's SafeTensors converts every dtype to float32).
        let c = try SafeTensors.read(url)
        XCTAssertEqual(c["a"]?.scalars, [1.5, -2])
        XCTAssertEqual(c["b"]?.scalars, [0.25, 3])
        XCTAssertEqual(c["c"]?.scalars, [7])
    }

    /// transformers' F16 and BF16 saves of the question encoder load as float32: each weight is the float32
    /// reference rounded to the half format (relative error <= 2^-11 / 2^-8).
    func testHalfPrecisionCheckpointsLoad() throws {
        let reference = try DPREncoder.load(from: ModelFixture.folder("dpr_question"))
        for (name, ulp) in [("dpr_question_f16", Float(1.0 / 2048)), ("dpr_question_bf16", Float(1.0 / 256))] {
            let half = try DPREncoder.load(from: ModelFixture.folder(name))
            var worst: Float = 0
            for (a, b) in zip(half.parameters(), reference.parameters()) {
                for (x, y) in zip(a.scalars, b.scalars) where abs(y) > 1e-4 { worst = max(worst, abs(x - y) / abs(y)) }
            }
            XCTAssertGreaterThan(worst, 0, "\(name): weights must actually be rounded")
            XCTAssertLessThanOrEqual(worst, ulp, name)
        }
    }

    func testLoadErrorsListEveryProblem() throws {
        let dir = try tempDir().appendingPathComponent("bad")
        let q = try DPREncoder.load(from: ModelFixture.folder("dpr_question"))
        try q.save(to: dir)
        var tensors = try SafeTensors.read(dir.appendingPathComponent("model.safetensors"))
        tensors["question_encoder.bert_model.encoder.layer.0.output.dense.bias"] = nil
        tensors["question_encoder.bert_model.encoder.layer.1.output.dense.bias"] = try Tensor.zeros([5])
        tensors["question_encoder.surprise"] = try Tensor.zeros([1])
        try SafeTensors.write(tensors, to: dir.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try DPREncoder.load(from: dir)) { error in
            let e = error as? StateDictError
            XCTAssertEqual(e?.missing, ["question_encoder.bert_model.encoder.layer.0.output.dense.bias"])
            XCTAssertEqual(e?.unexpected, ["question_encoder.surprise"])
            XCTAssertEqual(e?.wrongShape.first?.found, [5])
        }
    }

    func testPrefixlessAndLegacyKeysLoad() throws {
        let dir = try tempDir()
        let q = try DPREncoder.load(from: ModelFixture.folder("dpr_question"))
        try q.save(to: dir)
        let tensors = try SafeTensors.read(dir.appendingPathComponent("model.safetensors"))
        var renamed: [(String, Tensor)] = tensors.map { key, t in
            var k = String(key.dropFirst("question_encoder.".count))
            if k.hasSuffix("LayerNorm.weight") { k = String(k.dropLast(6)) + "gamma" }
            return (k, t)
        }
        renamed.append(("bert_model.pooler.dense.bias", try Tensor.zeros([32])))
        try SafeTensors.write(Dictionary(uniqueKeysWithValues: renamed), to: dir.appendingPathComponent("model.safetensors"))
        let q2 = try DPREncoder.load(from: dir)
        let ids = try ModelFixture("dpr").ints("input_ids")
        XCTAssertEqual(try q2(inputIds: ids).pooled.scalars, try q(inputIds: ids).pooled.scalars)
    }

    func testUnsupportedConfigFieldsAreErrors() throws {
        let url = ModelFixture.folder("dpr_question").appendingPathComponent("config.json")
        var json = try ConfigReader.load(url)
        json["rotary_dim"] = 8
        XCTAssertThrowsError(try BertConfig(json: json)) { XCTAssertTrue("\($0)".contains("rotary_dim"), "\($0)") }
        json["rotary_dim"] = nil
        json["hidden_act"] = "relu"
        XCTAssertThrowsError(try BertConfig(json: json)) { XCTAssertTrue("\($0)".contains("hidden_act"), "\($0)") }
        json["hidden_act"] = "gelu"
        json["num_attention_heads"] = 5
        XCTAssertThrowsError(try BertConfig(json: json)) { XCTAssertTrue("\($0)".contains("multiple"), "\($0)") }
        var bart = try ConfigReader.load(ModelFixture.folder("bart").appendingPathComponent("config.json"))
        XCTAssertNoThrow(try BartConfig(json: bart))
        bart["do_sample"] = true
        XCTAssertThrowsError(try BartConfig(json: bart)) { XCTAssertTrue("\($0)".contains("do_sample"), "\($0)") }
        bart["do_sample"] = nil
        bart["model_type"] = "t5"
        XCTAssertThrowsError(try BartConfig(json: bart))
    }

    /// A config value beyond 64 bits is named as such (it once read as "got 0"); malformed JSON names the file.
    func testConfigIntegersThatDoNotFitAndMalformedJSON() throws {
        let dir = try tempDir()
        let url = dir.appendingPathComponent("config.json")
        try #"{"model_type": "dpr", "vocab_size": 18446744073709551616}"#.write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try BertConfig(json: ConfigReader.load(url), source: url.path)) { error in
            XCTAssertTrue("\(error)".contains("18446744073709551616 does not fit a 64-bit integer"), "\(error)")
        }
        try #"{"model_type": "dpr", "vocab_size": 3"#.write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ConfigReader.load(url)) { error in
            XCTAssertTrue("\(error)".contains("\(url.path): malformed JSON"), "\(error)")
        }
    }

}
