import Foundation
import TestSupport
import XCTest

/// Runs the debug `ragtime` under Open MPI's `mpirun` for the distributed tests. `scripts/setup` installs
/// Open MPI; on a machine without it the tests fail with that instruction, unless `RAGTIME_SKIP_MPI_TESTS=1`
/// (then they are skipped with a notice).
enum MPIJob {
    static let binary = RepoPaths.url(".build/debug/ragtime").path

    static func mpirun() throws -> String {
        if ProcessInfo.processInfo.environment["RAGTIME_SKIP_MPI_TESTS"] == "1" {
            throw XCTSkip("RAGTIME_SKIP_MPI_TESTS=1: distributed tests skipped")
        }
        for path in ["/usr/bin/mpirun", "/usr/local/bin/mpirun"] where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        XCTFail("mpirun not found: install Open MPI (scripts/setup does: apt-get install openmpi-bin)")
        throw XCTSkip("no mpirun")
    }

    static var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["RAGTIME_STDLIB"] = RepoPaths.url("stdlib").path
        return env
    }

    /// The launcher's arguments for `ranks` processes of `arguments` (oversubscribed: 3 ranks on 2 cores).
    static func launcher(_ ranks: Int) -> [String] {
        (getuid() == 0 ? ["--allow-run-as-root"] : []) + ["--oversubscribe", "-np", String(ranks), binary]
    }

    /// `mpirun -np ranks ragtime ARGS` (ranks 0: the binary alone, without mpirun), from the repository root.
    static func run(_ ranks: Int, _ arguments: [String], environment extra: [String: String] = [:]) throws -> Subprocess.Result {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            XCTFail("\(binary) not built: run `swift build --product ragtime` first (scripts/test does)")
            throw XCTSkip("no binary")
        }
        let env = environment.merging(extra) { $1 }
        if ranks == 0 { return Subprocess.run(binary, arguments, currentDirectory: RepoPaths.root, environment: env) }
        return Subprocess.run(try mpirun(), launcher(ranks) + arguments, currentDirectory: RepoPaths.root, environment: env)
    }

    /// `mpirun -np ranks ragtime ARGS` started in the background, output discarded.
    static func start(_ ranks: Int, _ arguments: [String]) throws -> Process {
        try Subprocess.start(try mpirun(), launcher(ranks) + arguments, currentDirectory: RepoPaths.root, environment: environment)
    }

    static func scratch(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-\(name)-\(UUID().uuidString)")
    }
}
