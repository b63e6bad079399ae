import Foundation

/// A minimal safetensors reader/writer for the KB's float32 matrices (rag-spec.md §5.1 layout):
/// `uint64 N`, an N-byte JSON header (compact, `__metadata__` first, space-padded to a multiple of 8),
/// then little-endian data. Used for `embeddings.safetensors` and shard files until the Tensor
/// module's general safetensors I/O is available to this layer.
enum SafetensorsF32 {
    /// Encodes one F32 tensor `name` of shape `[rows, cols]` with string metadata.
    static func encode(name: String, values: [Float], rows: Int, cols: Int, metadata: [String: String]) throws -> Data {
        precondition(values.count == rows * cols, "safetensors shape")
        let meta = try String(decoding: JSONSerialization.data(withJSONObject: metadata, options: [.sortedKeys]), as: UTF8.self)
        let nameJSON = try String(decoding: JSONSerialization.data(withJSONObject: [name], options: []), as: UTF8.self).dropFirst().dropLast()
        var header = "{\"__metadata__\":\(meta),\(nameJSON):{\"dtype\":\"F32\",\"shape\":[\(rows),\(cols)],\"data_offsets\":[0,\(values.count * 4)]}}"
        while header.utf8.count % 8 != 0 { header += " " }
        var out = Data()
        var n = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(contentsOf: Array(header.utf8))
        values.withUnsafeBytes { out.append(contentsOf: $0) }
        return out
    }

    /// Decodes the single F32 rank-2 tensor `name`; returns values, shape and metadata.
    static func decode(_ data: Data, name: String, path: String) throws -> (values: [Float], rows: Int, cols: Int, metadata: [String: String]) {
        func bad(_ m: String) -> KBError { KBError.corrupt(path: path, message: m) }
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw bad("file of \(bytes.count) bytes is too short for a safetensors header") }
        let n = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard n <= 100_000_000, 8 + Int(n) <= bytes.count else { throw bad("header length \(n) exceeds the file") }
        guard let header = try? JSONSerialization.jsonObject(with: Data(bytes[8 ..< 8 + Int(n)])) as? [String: Any] else {
            throw bad("header is not a JSON object")
        }
        guard let entry = header[name] as? [String: Any] else { throw bad("no tensor named \"\(name)\"") }
        guard entry["dtype"] as? String == "F32" else { throw bad("tensor \"\(name)\" has dtype \(entry["dtype"] ?? "?"), expected F32") }
        guard let shape = entry["shape"] as? [Int], shape.count == 2, let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
            throw bad("tensor \"\(name)\" needs a rank-2 shape and two data offsets")
        }
        let base = 8 + Int(n)
        guard offsets[0] >= 0, offsets[1] - offsets[0] == shape[0] * shape[1] * 4, base + offsets[1] <= bytes.count else {
            throw bad("tensor \"\(name)\" of shape \(shape) does not match its data offsets \(offsets) (file \(bytes.count) bytes)")
        }
        let count = shape[0] * shape[1]
        let values = [Float](unsafeUninitializedCapacity: count) { buf, c in
            bytes.withUnsafeBytes { src in
                UnsafeMutableRawBufferPointer(buf).copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(base + offsets[0]) ..< (base + offsets[1])]))
            }
            c = count
        }
        let metadata = header["__metadata__"] as? [String: String] ?? [:]
        return (values, shape[0], shape[1], metadata)
    }
}
