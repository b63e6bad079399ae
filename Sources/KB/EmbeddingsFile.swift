import Foundation
import Tensor

/// The KB's float32 matrices on disk: one rank-2 F32 tensor named "embeddings" in a safetensors file
/// (the safetensors file format (huggingface/safetensors README)), read and written with the Tensor module's `SafeTensors`.
enum EmbeddingsFile {
    static let tensorName = "embeddings"

    /// Writes `values` (`[rows * cols]`) atomically with string metadata.
    static func write(_ values: [Float], rows: Int, cols: Int, metadata: [String: String], to url: URL) throws {
        precondition(values.count == rows * cols, "embeddings shape")
        do {
            let tensor = try Tensor(shape: [rows, cols], scalars: values)
            try SafeTensors.write([tensorName: tensor], to: url, metadata: metadata.merging(["format": "pt"]) { a, _ in a })
        } catch {
            throw KBError.io(path: url.path, message: "\(error)")
        }
    }

    /// Reads the "embeddings" tensor; missing file → `KBError.io`, anything malformed → `KBError.corrupt`.
    static func read(_ url: URL) throws -> (values: [Float], rows: Int, cols: Int, metadata: [String: String]) {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw KBError.io(path: url.path, message: "no such file")
        }
        let file: SafeTensors.File
        do { file = try SafeTensors.readFile(url) } catch {
            throw KBError.corrupt(path: url.path, message: "\(error)")
        }
        guard let t = file.tensors[tensorName] else {
            throw KBError.corrupt(path: url.path, message: "no tensor named \"\(tensorName)\"")
        }
        guard file.dtypes[tensorName] == .f32, t.shape.count == 2 else {
            throw KBError.corrupt(path: url.path, message: "\"\(tensorName)\" must be a rank-2 F32 tensor, got \(file.dtypes[tensorName]?.rawValue ?? "?") \(t.shape)")
        }
        return (t.scalars, t.shape[0], t.shape[1], file.metadata)
    }
}
