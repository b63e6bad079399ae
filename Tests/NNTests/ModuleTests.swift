import NN
import Tensor
import XCTest

/// Module tree names, modes, parameter counting and state-dict loading errors.
final class ModuleTests: XCTestCase {
    final class Block: Module {
        let dense: Linear
        let norm: LayerNorm
        let drop: Dropout
        let tiedOut: Linear
        init(seed: UInt64 = 1) throws {
            let rng = RNG(seed: seed)
            dense = try Linear(inFeatures: 3, outFeatures: 2, std: 0.5, generator: rng)
            norm = try LayerNorm(dim: 2, eps: 1e-5)
            drop = Dropout(p: 0.5, generator: rng)
            tiedOut = try Linear(inFeatures: 3, outFeatures: 2, bias: false, std: 0.5, generator: rng)
            super.init()
        }
        override var entries: [ModuleEntry] {
            [.child("layers", ModuleList([dense])), .child("LayerNorm", norm), .child("dropout", drop),
             .child("head", Namespace([.parameter("weight", dense.weight)]))]
        }
    }

    func testNamesOrderAliasesAndCount() throws {
        let b = try Block()
        XCTAssertEqual(b.namedParameters().map(\.name),
                       ["layers.0.weight", "layers.0.bias", "LayerNorm.weight", "LayerNorm.bias"])
        XCTAssertEqual(b.namedTensors(aliases: true).map(\.name).last, "head.weight")
        XCTAssertEqual(b.parameterCount, 6 + 2 + 2 + 2)
        XCTAssertTrue(b.parameters().allSatisfy(\.requiresGrad))
    }

    func testTrainEvalReachesEveryChild() throws {
        let b = try Block()
        b.eval()
        XCTAssertFalse(b.drop.isTraining)
        let x = try Tensor.ones([4, 2])
        XCTAssertEqual(try b.drop(x).scalars, x.scalars, "eval-mode dropout is the identity")
        b.train()
        XCTAssertTrue(b.drop.isTraining)
        let y = try b.drop(try Tensor.ones([1000]))
        XCTAssertTrue(y.scalars.allSatisfy { $0 == 0 || $0 == 2 })
        XCTAssertTrue(y.scalars.contains(0) && y.scalars.contains(2))
    }

    func testLoadStateDictReportsEveryProblemAndWritesNothing() throws {
        let b = try Block()
        let before = b.dense.weight.scalars
        var dict = Dictionary(uniqueKeysWithValues: b.stateDict().map { ($0.name, $0.tensor.copied()) })
        dict["layers.0.bias"] = nil
        dict["LayerNorm.weight"] = try Tensor.ones([3])
        dict["extra.weight"] = try Tensor.ones([1])
        dict["layers.0.weight"] = try Tensor.zeros([2, 3])
        XCTAssertThrowsError(try b.loadStateDict(dict, source: "x.safetensors")) { error in
            guard let e = error as? StateDictError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.missing, ["layers.0.bias"])
            XCTAssertEqual(e.unexpected, ["extra.weight"])
            XCTAssertEqual(e.wrongShape.map(\.name), ["LayerNorm.weight"])
            XCTAssertTrue(e.description.contains("x.safetensors"))
        }
        XCTAssertEqual(b.dense.weight.scalars, before, "a failed load must not write")
        dict["layers.0.bias"] = try Tensor.full([2], value: 3)
        dict["LayerNorm.weight"] = try Tensor.ones([2])
        dict["extra.weight"] = nil
        try b.loadStateDict(dict)
        XCTAssertEqual(b.dense.weight.scalars, Array(repeating: 0, count: 6))
        XCTAssertEqual(b.dense.bias?.scalars, [3, 3])
    }

    func testLinearAndEmbeddingInit() throws {
        let rng = RNG(seed: 3)
        let l = try Linear(inFeatures: 64, outFeatures: 64, std: 0.02, generator: rng)
        let w = l.weight.scalars
        let mean = w.reduce(0, +) / Float(w.count)
        let std = (w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(w.count)).squareRoot()
        XCTAssertEqual(std, 0.02, accuracy: 0.002)
        XCTAssertEqual(l.bias?.scalars, Array(repeating: 0, count: 64))
        let e = try Embedding(count: 5, dim: 4, paddingIndex: 1, std: 1, generator: rng)
        XCTAssertEqual(Array(e.weight.scalars[4..<8]), [0, 0, 0, 0])
        let x = try Tensor(shape: [1, 64], scalars: (0..<64).map { Float($0) / 64 })
        XCTAssertEqual(try l(x).shape, [1, 64])
    }
}
