import Foundation
import Support
import Train
import XCTest

final class OutputTests: XCTestCase {
    func testMetricsJSONLayout() throws {
        var log = MetricsLog()
        log.append(MetricsRecord(["val_avg_loss": 12.5, "val_avg_em": 0.25, "val_avg_gen_time": 1e-05, "step_count": 1]))
        log.append(MetricsRecord(["val_avg_loss": 3, "step_count": 2]))
        XCTAssertEqual(log.json(), """
        {
            "val": [
                {
                    "val_avg_loss": 12.5,
                    "val_avg_em": 0.25,
                    "val_avg_gen_time": 1e-05,
                    "step_count": 1
                },
                {
                    "val_avg_loss": 3.0,
                    "step_count": 2
                }
            ]
        }
        """)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try log.write(to: url)
        let parsed = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: [[String: Double]]]
        XCTAssertEqual(parsed["val"]?[1]["step_count"], 2)
    }

    func testProgressLineWithInjectedClockAndSink() {
        var lines: [String] = []
        var now = 100.0
        let p = TrainingProgress(totalSteps: 10, every: 2, sink: { lines.append($0) }, clock: { now })
        p.begin(step: 0)
        for s in 1...4 { now += 0.5; p.update(step: s, loss: 2.0 / Double(s), learningRate: 3e-5) }
        XCTAssertEqual(lines, ["step 2/10 | loss 1.0000 | lr 3.00e-05 | 2.00 steps/s | ETA 0:04",
                               "step 4/10 | loss 0.5000 | lr 3.00e-05 | 2.00 steps/s | ETA 0:03"])
        XCTAssertEqual(ProgressRate.duration(3725), "1:02:05")
        XCTAssertEqual(TrainingProgress.format(step: 1, totalSteps: nil, loss: 1, learningRate: 0, stepsPerSecond: nil),
                       "step 1 | loss 1.0000 | lr 0.00e+00 | -- steps/s | ETA --")
    }

    func testSVGPlot() {
        let svg = SVGPlot.render([.init(title: "loss <train>", series: [.init(name: "train", points: [(1, 3), (2, 2), (3, 2.5)])]),
                                  .init(title: "em", series: [.init(name: "val", points: [(2, 0.5)])]),
                                  .init(title: "empty", series: [])])
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertTrue(svg.hasSuffix("</svg>\n"))
        XCTAssertTrue(svg.contains("loss &lt;train&gt;"))
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 1)
        XCTAssertTrue(svg.contains("<circle"))
        XCTAssertTrue(svg.contains("no data"))
        // First point at the left edge (x = 60), lowest loss at the bottom of panel 1 (y = 260 - 36).
        XCTAssertTrue(svg.contains("points=\"60.0,28.0 340.0,224.0 620.0,126.0\""), svg)
    }

    func testTicksAreRoundAndWholeOnAStepAxis() {
        // Steps 1...39 (the plot once labelled 9.75 and 27.2): ticks at 10, 20, 30; 3 steps: 1, 2, 3; a 0-1 axis: halves.
        let short = SVGPlot.render([.init(title: "em", series: [.init(name: "val", points: [(1, 0), (2, 0.4), (3, 1)])])])
        for label in [">1<", ">2<", ">3<", ">0.5<"] { XCTAssertTrue(short.contains(label), label) }
        XCTAssertFalse(short.contains(">1.5<") || short.contains(">2.5<"), short)
        let svg = SVGPlot.render([.init(title: "loss", series: [.init(name: "train", points: (1...39).map { (Double($0), Double($0 % 7)) })])])
        XCTAssertFalse(svg.contains(">9.75<") || svg.contains(">27.2<"), svg)
        for label in [">10<", ">20<", ">30<"] { XCTAssertTrue(svg.contains(label), label) }
    }

    func testCheckpointDirectoryIsAtomic() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID())")
        defer { try? FileManager.default.removeItem(at: out) }
        let dir = CheckpointDirectory(out)
        struct Boom: Error {}
        XCTAssertThrowsError(try dir.write(step: 1, model: { try "m".write(to: $0.appendingPathComponent("model.txt"), atomically: true, encoding: .utf8) },
                                           trainerState: { _ in throw Boom() }))
        XCTAssertEqual(dir.completedSteps(), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.modelFolder(step: 1).path))
        for step in [1, 2] {
            try dir.write(step: step, model: { try "m\(step)".write(to: $0.appendingPathComponent("model.txt"), atomically: true, encoding: .utf8) },
                          contextEncoder: { try "c".write(to: $0.appendingPathComponent("ctx.txt"), atomically: true, encoding: .utf8) },
                          trainerState: { try "{}".write(to: $0.appendingPathComponent("trainer_state.json"), atomically: true, encoding: .utf8) })
        }
        try dir.write(step: 2, model: { try "new".write(to: $0.appendingPathComponent("model.txt"), atomically: true, encoding: .utf8) },
                      trainerState: { try "{}".write(to: $0.appendingPathComponent("trainer_state.json"), atomically: true, encoding: .utf8) })
        XCTAssertEqual(dir.completedSteps(), [1, 2])
        XCTAssertEqual(dir.latestStep(), 2)
        XCTAssertEqual(try String(contentsOf: dir.modelFolder(step: 2).appendingPathComponent("model.txt"), encoding: .utf8), "new")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.contextEncoderFolder(step: 1).appendingPathComponent("ctx.txt").path))
        let hidden = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(hidden, [])
    }
}
