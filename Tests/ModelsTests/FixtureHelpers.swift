import Foundation
import Tensor
import TestSupport
import XCTest
@testable import Models

/// Reads test_dir/fixtures/models/<name>.json and <name>.safetensors (written by scripts/fixtures/models.py).
struct ModelFixture {
    let json: [String: Any]
    let tensors: [String: Tensor]

    init(_ name: String) throws {
        let dir = RepoPaths.url("test_dir/fixtures/models")
        json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("\(name).json"))) as? [String: Any])
        tensors = try SafeTensors.read(dir.appendingPathComponent("\(name).safetensors"))
    }

    static func folder(_ name: String) -> URL { RepoPaths.url("test_dir/fixtures/models/\(name)") }

    func tensor(_ key: String) throws -> Tensor { try XCTUnwrap(tensors[key], "fixture tensor \(key) missing") }

    func ints(_ key: String) throws -> IntTensor {
        let rows = try XCTUnwrap(json[key] as? [[Int]], "fixture key \(key) missing")
        return try IntTensor(shape: [rows.count, rows.first?.count ?? 0], scalars: rows.flatMap { $0 })
    }
}

func maxAbsDiff(_ a: Tensor, _ b: Tensor) -> Float {
    zip(a.scalars, b.scalars).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Asserts equal shapes and max |a - b| <= tol.
func assertClose(_ a: Tensor, _ b: Tensor, atol: Float, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, "\(what): shape", file: file, line: line)
    let d = maxAbsDiff(a, b)
    XCTAssertLessThanOrEqual(d, atol, "\(what): max abs diff \(d)", file: file, line: line)
}

/// Asserts max |a - b| / max |b| <= tol (relative to the reference's scale).
func assertRelClose(_ a: Tensor, _ b: Tensor, rtol: Float, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, "\(what): shape", file: file, line: line)
    let scale = b.scalars.reduce(0) { max($0, abs($1)) }
    XCTAssertGreaterThan(scale, 0, "\(what): reference is all zeros", file: file, line: line)
    let d = maxAbsDiff(a, b) / scale
    XCTAssertLessThanOrEqual(d, rtol, "\(what): relative diff \(d)", file: file, line: line)
}
