import Foundation
import Support

#if canImport(Glibc)
import Glibc
#endif

/// Reading and writing the safetensors format (the safetensors file format (huggingface/safetensors README)).
///
///     let weights = try SafeTensors.read(url)               // [String: Tensor], all float32
///     try SafeTensors.write(weights, to: out, metadata: ["format": "pt"])
///
/// Reading memory-maps the file, validates the whole header (`SafeTensorsHeader`) and converts
/// F32/F16/BF16/F64/I64/I32/I16/I8/U8/U16/U32/U64/BOOL to float32 (integers exactly up to 2^24).
/// Writing follows the reference writer (order by dtype, then name; compact header padded to a multiple
/// of 8 with spaces), so files are byte-identical to Python `safetensors.torch.save_file` for float32.
public enum SafeTensors {
    public struct File {
        public let tensors: [String: Tensor]
        public let metadata: [String: String]
        /// The stored dtype of each tensor (before conversion to float32).
        public let dtypes: [String: SafeTensorsDType]
    }

    public static func read(_ url: URL) throws -> [String: Tensor] { try readFile(url).tensors }

    public static func readFile(_ url: URL) throws -> File {
        let path = url.path
        func fail(_ problem: String) -> SafeTensorsError { SafeTensorsError(path: path, problem: problem) }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw fail("cannot open (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw fail("cannot stat") }
        let size = Int(st.st_size)
        guard size >= 8 else { throw fail("file has \(size) bytes, fewer than the 8-byte header length") }
        guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else {
            throw fail("cannot memory-map (\(String(cString: strerror(errno))))")
        }
        defer { munmap(map, size) }
        return try parse(UnsafeRawBufferPointer(start: map, count: size), path: path)
    }

    /// Decodes a whole safetensors image (the memory-mapped file) into float32 tensors.
    static func parse(_ buffer: UnsafeRawBufferPointer, path: String) throws -> File {
        func fail(_ problem: String) -> SafeTensorsError { SafeTensorsError(path: path, problem: problem) }
        let size = buffer.count
        guard size >= 8, let bytes = buffer.baseAddress else {
            throw fail("file has \(size) bytes, fewer than the 8-byte header length")
        }
        let n = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard n <= 100_000_000 else { throw fail("header length \(n) exceeds the 100000000-byte limit") }
        guard 8 + Int(n) <= size else { throw fail("header length \(n) runs past the end of the \(size)-byte file") }
        let header = [UInt8](UnsafeRawBufferPointer(start: bytes + 8, count: Int(n)))
        let dataStart = 8 + Int(n)
        let (entries, metadata) = try SafeTensorsHeader.parse(header, dataLength: size - dataStart, fail: fail)
        var tensors: [String: Tensor] = [:]
        var dtypes: [String: SafeTensorsDType] = [:]
        for e in entries {
            let t = Tensor(uninitialized: e.shape)
            convert(bytes + dataStart + e.begin, e.dtype, count: t.count, into: t.base)
            tensors[e.name] = t
            dtypes[e.name] = e.dtype
        }
        return File(tensors: tensors, metadata: metadata, dtypes: dtypes)
    }

    /// Little-endian elements of `dtype` at `src` to float32.
    static func convert(_ src: UnsafeRawPointer, _ dtype: SafeTensorsDType, count: Int, into dst: UnsafeMutablePointer<Float>) {
        func each<T: FixedWidthInteger>(_: T.Type, _ f: (T) -> Float) {
            for i in 0..<count { dst[i] = f(T(littleEndian: src.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))) }
        }
        switch dtype {
        case .f32: each(UInt32.self) { Float(bitPattern: $0) }
        case .f64: each(UInt64.self) { Float(Double(bitPattern: $0)) }
        case .f16: each(UInt16.self) { Float(Float16(bitPattern: $0)) }
        case .bf16: each(UInt16.self) { Float(bitPattern: UInt32($0) << 16) }
        case .i64: each(Int64.self) { Float($0) }
        case .u64: each(UInt64.self) { Float($0) }
        case .i32: each(Int32.self) { Float($0) }
        case .u32: each(UInt32.self) { Float($0) }
        case .i16: each(Int16.self) { Float($0) }
        case .u16: each(UInt16.self) { Float($0) }
        case .i8: each(Int8.self) { Float($0) }
        case .u8, .bool: each(UInt8.self) { Float($0) }
        default: preconditionFailure("unsupported dtype \(dtype) passed header validation")
        }
    }

    /// The header bytes the reference writer produces for float32 tensors (padded to a multiple of 8).
    static func header(for tensors: [(String, [Int])], metadata: [String: String]?) -> (bytes: [UInt8], offsets: [Int]) {
        var json = "{"
        var parts: [String] = []
        if let metadata {
            let pairs = metadata.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
                .map { "\(JSON.quote($0.key)):\(JSON.quote($0.value))" }
            parts.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        var offsets: [Int] = []
        for (name, shape) in tensors {
            let bytes = Shape.count(shape) * 4
            parts.append("\(JSON.quote(name)):{\"dtype\":\"F32\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offsets.append(offset)
            offset += bytes
        }
        json += parts.joined(separator: ",") + "}"
        var bytes = Array(json.utf8)
        bytes += [UInt8](repeating: 0x20, count: (8 - bytes.count % 8) % 8)
        return (bytes, offsets)
    }

    /// Writes float32 tensors (sorted by name), atomically (`AtomicFile.stream`: a temporary file renamed into place).
    public static func write(_ tensors: [String: Tensor], to url: URL, metadata: [String: String]? = ["format": "pt"]) throws {
        let path = url.path
        func fail(_ problem: String) -> SafeTensorsError { SafeTensorsError(path: path, problem: problem) }
        if tensors.keys.contains("__metadata__") { throw fail("\"__metadata__\" cannot name a tensor") }
        let ordered = tensors.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
        let (header, _) = header(for: ordered.map { ($0.key, $0.value.shape) }, metadata: metadata)
        do {
            try AtomicFile.stream(to: url) { file in
                var n = UInt64(header.count).littleEndian
                var ok = fwrite(&n, 8, 1, file) == 1
                ok = ok && header.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) == $0.count }
                for (_, t) in ordered where t.count > 0 {
                    // Float32 is little-endian on every platform Swift on Linux supports.
                    ok = ok && fwrite(t.base, 4, t.count, file) == t.count
                }
                return ok
            }
        } catch let failure as AtomicFile.Failure {
            throw fail("write failed (\(failure.reason))")
        }
    }
}
