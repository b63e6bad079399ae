import Foundation
import Tensor

/// safetensors files (rag-spec.md §5.1) as Models needs them: read F32/F16/BF16 (and F64) tensors as
/// float32, skip integer buffers (e.g. BERT's `position_ids`) by reporting them separately, write F32
/// with the reference writer's layout (dtype-then-name order, compact header, `__metadata__` first,
/// space padding to a multiple of 8).
enum Safetensors {
    struct Contents {
        var tensors: [String: Tensor]
        /// Names of non-float tensors that were not loaded (integer buffers).
        var skipped: [String]
        var metadata: [String: String]
    }

    static func read(_ url: URL) throws -> Contents {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw ModelError.checkpoint("cannot read \(url.path): \(error.localizedDescription)")
        }
        func bad(_ r: String) -> ModelError { ModelError.checkpoint("\(url.lastPathComponent): \(r)") }
        guard data.count >= 8 else { throw bad("file shorter than its 8-byte header length") }
        let n = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n <= 100_000_000, 8 + Int(n) <= data.count else { throw bad("header length \(n) is invalid") }
        guard let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + Int(n)))) as? [String: Any] else {
            throw bad("header is not a JSON object")
        }
        let base = 8 + Int(n)
        var out = Contents(tensors: [:], skipped: [], metadata: [:])
        var spans: [(Int, Int)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                out.metadata = (value as? [String: String]) ?? [:]
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw bad("malformed entry for \(name)")
            }
            let (begin, end) = (offsets[0], offsets[1])
            let count = shape.reduce(1, *)
            let width: Int
            switch dtype {
            case "F32", "I32", "U32": width = 4
            case "F16", "BF16", "I16", "U16": width = 2
            case "F64", "I64", "U64": width = 8
            case "BOOL", "U8", "I8": width = 1
            default: throw bad("\(name) has unsupported dtype \(dtype)")
            }
            guard begin >= 0, end >= begin, end - begin == count * width, base + end <= data.count else {
                throw bad("\(name): offsets \(offsets) do not match shape \(shape) of \(dtype)")
            }
            spans.append((begin, end))
            var floats = [Float](repeating: 0, count: count)
            let ok: Bool = data.withUnsafeBytes { raw in
                let p = raw.baseAddress!.advanced(by: base + begin)
                switch dtype {
                case "F32":
                    floats.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: p, count: count * 4)) }
                case "F16":
                    for i in 0..<count { floats[i] = Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
                case "BF16":
                    for i in 0..<count { floats[i] = Float(bitPattern: UInt32(p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16) }
                case "F64":
                    for i in 0..<count { floats[i] = Float(p.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)) }
                default: return false
                }
                return true
            }
            if ok {
                out.tensors[name] = try Tensor(shape: shape, scalars: floats)
            } else {
                out.skipped.append(name)
            }
        }
        // The data buffer must be tiled exactly (reference validation).
        var next = 0
        for (b, e) in spans.sorted(by: { $0.0 < $1.0 }) {
            guard b == next else { throw bad("tensor data has a gap or overlap at byte \(b)") }
            next = e
        }
        guard base + next == data.count else { throw bad("file has \(data.count - base - next) trailing bytes") }
        return out
    }

    /// Writes float32 tensors (names sorted byte-wise, like the reference writer for one dtype),
    /// atomically (temporary file, then rename).
    static func write(_ tensors: [(name: String, tensor: Tensor)], to url: URL, metadata: [String: String] = ["format": "pt"]) throws {
        let sorted = tensors.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        func quote(_ s: String) -> String {
            let data = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
            return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
        }
        var parts: [String] = []
        if !metadata.isEmpty {
            let m = metadata.sorted { $0.key < $1.key }.map { "\(quote($0.key)):\(quote($0.value))" }.joined(separator: ",")
            parts.append("\"__metadata__\":{\(m)}")
        }
        var offset = 0
        for (name, t) in sorted {
            let size = t.count * 4
            parts.append("\(quote(name)):{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + size)]}")
            offset += size
        }
        var header = Array("{\(parts.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for (_, t) in sorted { t.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count)) } }
        do { try data.write(to: url, options: .atomic) } catch {
            throw ModelError.checkpoint("cannot write \(url.path): \(error.localizedDescription)")
        }
    }
}
