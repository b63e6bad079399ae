import Foundation
@testable import Runtime
import Tensor
import TestSupport
import Train
import XCTest

/// `train.finetune` / `train.seq2seq` options come from one table: a call with every default reads back exactly
/// `RagFineTuneOptions()`, `options:` entries replace named arguments, and bad values name the option.
final class TrainOptionTableTests: XCTestCase {
    private let interpreter = Interpreter(options: .init(stdlibPath: RepoPaths.url("stdlib").path))

    private func call(_ named: [String: Value] = [:], options: Value = .null) -> CallArgs {
        let params = TrainBuiltins.finetuneParams + [Param("options", default: .null)]
        let values = params.map { p in p.name == "options" ? options : (named[p.name] ?? p.defaultValue ?? .null) }
        return CallArgs(function: "train.finetune", params: params, values: values, rest: [], receiver: nil, interpreter: interpreter)
    }

    func testDefaultsAreTheSwiftDefaults() throws {
        let (o, log, onRefresh) = try TrainBuiltins.options(call())
        var expected = RagFineTuneOptions()
        expected.trainer.precision = Precision.sessionDefault
        XCTAssertEqual(o, expected)
        XCTAssertTrue(log)
        XCTAssertNil(onRefresh)
        XCTAssertEqual(Set(TrainBuiltins.finetuneParams.map(\.name)).count, TrainBuiltins.optionTable.count, "an option named twice")
        XCTAssertTrue(TrainBuiltins.optionHelp.contains("learning_rate 5e-05: AdamW learning rate"), TrainBuiltins.optionHelp)
    }

    func testOptionsDictReplacesNamedArgumentsAndBadValuesNameTheOption() throws {
        let dict = Value.dict(DictRef([("learning_rate", .float(0.25)), ("refresh", .string("synchronous")), ("max_grad_norm", .null)]))
        let (o, _, _) = try TrainBuiltins.options(call(["learning_rate": .float(0.5), "seed": .int(7)], options: dict))
        XCTAssertEqual(o.trainer.learningRate, 0.25)
        XCTAssertEqual(o.seed, 7)
        XCTAssertEqual(o.refreshMode, .synchronous)
        XCTAssertNil(o.trainer.maxGradNorm)
        let cases: [(CallArgs, String)] = [
            (call(options: .dict(DictRef([("learning_rat", .float(1))]))), "unknown option 'learning_rat' in options; known: train_batch_size"),
            (call(["refresh": .string("later")]), "refresh must be one of \"background\", \"synchronous\", got \"later\""),
            (call(["lr_scheduler": .string("cosine_x")]), "lr_scheduler must be one of \"linear\""),
            (call(["seed": .int(-1)]), "seed must be >= 0"),
            (call(["train_batch_size": .string("8")]), "argument 'train_batch_size' must be an Int"),
            (call(options: .int(3)), "options must be a Dict"),
        ]
        for (args, message) in cases {
            XCTAssertThrowsError(try TrainBuiltins.options(args)) { XCTAssertTrue("\(($0 as? RuntimeError)?.message ?? "\($0)")".contains(message), "\($0)") }
        }
    }
}
