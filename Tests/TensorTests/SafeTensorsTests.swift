import Foundation
import XCTest
@testable import Tensor
import TestSupport

final class SafeTensorsTests: XCTestCase {
    let dir = RepoPaths.url("test_dir/fixtures/tensor")

    func tmp(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-st-\(getpid())-\(name)")
    }

    func expected(_ file: String) throws -> [String: (shape: [Int], values: [Float])] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(file))) as! [String: [String: [Double]]]
        return json.mapValues { (shape: $0["shape"]!.map { Int($0) }, values: $0["values"]!.map { Float($0) }) }
    }

    /// Reads every dtype PyTorch wrote, converted to float32 exactly.
    func testReadsPythonFileWithAllDtypes() throws {
        let file = try SafeTensors.readFile(dir.appendingPathComponent("mixed.safetensors"))
        XCTAssertEqual(file.metadata, ["format": "pt"])
        XCTAssertEqual(file.dtypes["b.f16"], .f16)
        XCTAssertEqual(file.dtypes["c.bf16"], .bf16)
        XCTAssertEqual(file.dtypes["d.i64"], .i64)
        let want = try expected("mixed.json")
        XCTAssertEqual(Set(file.tensors.keys), Set(want.keys))
        for (name, w) in want {
            XCTAssertEqual(file.tensors[name]?.shape, w.shape, name)
            XCTAssertEqual(file.tensors[name]?.scalars, w.values, name)
        }
    }

    /// The writer reproduces Python's file byte for byte, and round-trips.
    func testWriterIsByteIdenticalToReference() throws {
        let reference = dir.appendingPathComponent("f32.safetensors")
        let tensors = try expected("f32.json").mapValues { try Tensor(shape: $0.shape, scalars: $0.values) }
        let out = tmp("f32.safetensors")
        defer { try? FileManager.default.removeItem(at: out) }
        try SafeTensors.write(tensors, to: out, metadata: ["format": "pt"])
        XCTAssertEqual(try Data(contentsOf: out), try Data(contentsOf: reference))
        let back = try SafeTensors.read(out)
        for (name, t) in tensors { XCTAssertEqual(back[name]?.scalars, t.scalars) }
    }

    func testInvalidHeadersNameTheProblem() throws {
        func file(_ header: String, data: Int) throws -> URL {
            var bytes = [UInt8]()
            let h = Array(header.utf8)
            withUnsafeBytes(of: UInt64(h.count).littleEndian) { bytes += $0 }
            bytes += h + [UInt8](repeating: 0, count: data)
            let url = tmp("bad.safetensors")
            try Data(bytes).write(to: url)
            return url
        }
        let cases: [(String, Int, String)] = [
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#, 16, "duplicate key"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, 12, "overlaps"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}"#, 16, "gap"),
            (#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, 8, "needs 12 bytes"),
            (#"{"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}"#, 8, "unknown dtype"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, 9, "data buffer has 9"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}"#, 8, "beyond the data buffer"),
            (#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, 8, "non-negative integer"),
            (#"{"__metadata__":{"format":1}}"#, 0, "not a string"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}"#, 8, "unknown field"),
            (#"{"a":{"dtype":"F4","shape":[2],"data_offsets":[0,1]}}"#, 1, "not supported"),
            (#"[1]"#, 0, "does not start with '{'"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} x"#, 8, "after the value"),
        ]
        for (header, data, problem) in cases {
            let url = try file(header, data: data)
            XCTAssertThrowsError(try SafeTensors.read(url), header) { e in
                XCTAssertTrue("\(e)".contains(problem), "\(header): \(e)")
            }
        }
    }

    /// Every truncation fails; every flip of a structural header byte (length prefix, JSON punctuation,
    /// digits, padding) fails; flips inside strings (names, dtypes, metadata) may yield another valid file
    /// but never crash.
    func testFlippedAndTruncatedFilesAreErrors() throws {
        let original = [UInt8](try Data(contentsOf: dir.appendingPathComponent("mixed.safetensors")))
        func read(_ bytes: [UInt8]) throws { _ = try bytes.withUnsafeBytes { try SafeTensors.parse($0, path: "fuzz") } }
        // Through the file system for a few lengths (mmap path), in memory for all of them.
        let url = tmp("fuzz.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        for length in [0, 7, 8, 100, original.count - 1] {
            try Data(original[0..<length]).write(to: url)
            XCTAssertThrowsError(try SafeTensors.read(url), "file truncated to \(length)")
        }
        for length in 0..<original.count {
            XCTAssertThrowsError(try read(Array(original[0..<length])), "truncated to \(length)")
        }
        XCTAssertNoThrow(try read(original))
        let headerLength = Int(original[0]) | Int(original[1]) << 8
        // Bytes outside JSON strings (punctuation, numbers, padding) and the quotes themselves.
        var structural = Set<Int>(0..<8)
        var inString = false
        for p in 8..<(8 + headerLength) {
            if original[p] == UInt8(ascii: "\"") { inString.toggle(); structural.insert(p) } else if !inString { structural.insert(p) }
        }
        // The zero-sized tensor's other dims ([0,4] -> [0,5]) are free too: any value gives 0 bytes.
        let text = String(decoding: original[8..<(8 + headerLength)], as: UTF8.self)
        let empty = try XCTUnwrap(text.range(of: #""h.empty":{"dtype":"F32","shape":[0,4]"#))
        structural.remove(8 + text.utf8.distance(from: text.startIndex, to: empty.upperBound) - 2)
        var errors = 0, accepted = 0
        for position in 0..<(8 + headerLength) {
            for mask: UInt8 in [0x01, 0x02, 0x10, 0x80] {
                var bytes = original
                bytes[position] ^= mask
                do {
                    try read(bytes)
                    accepted += 1
                    XCTAssertFalse(structural.contains(position),
                                   "flip \(mask) at \(position) ('\(Character(Unicode.Scalar(original[position])))') was accepted")
                } catch is SafeTensorsError {
                    errors += 1
                }
            }
        }
        XCTAssertGreaterThan(errors, 4 * accepted)
    }
}
