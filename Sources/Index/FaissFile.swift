import Foundation
import Support

/// faiss's binary index layout for `IndexFlatIP` ("IxFI"), `IndexFlatL2` ("IxF2") and
/// `IndexHNSWFlat` ("IHNf") as faiss writes them (faiss v1.7.4, `faiss/impl/index_write.cpp` and
/// `index_read.cpp`; docs/index-kb.md): little-endian fields back to back, "vector" fields
/// as `uint64 count` + elements, the common header `d, ntotal, dummy, dummy, is_trained, metric`.
///
///     try FaissFile.write(index, to: url)          // atomic (temporary file + rename)
///     let loaded = try FaissFile.read(from: url)   // FlatIndex or HNSWIndex
public enum FaissFile {
    static let dummy: Int64 = 1 << 20

    public static func read(from url: URL) throws -> any VectorIndex {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw IndexError.io(path: url.path, message: FileErrors.reason(error))
        }
        return try decode(data)
    }

    public static func write(_ index: any VectorIndex, to url: URL) throws {
        let bytes = try encode(index)
        do { try AtomicFile.write(bytes, to: url) } catch {
            throw IndexError.io(path: url.path, message: FileErrors.reason(error))
        }
    }

    /// Parses a whole file; trailing bytes are an error (a foreign or concatenated file).
    public static func decode(_ data: Data) throws -> any VectorIndex {
        var reader = ByteReader(bytes: [UInt8](data))
        let index = try readIndex(&reader)
        if reader.remaining != 0 {
            throw IndexError.corruptFile("\(reader.remaining) unexpected bytes after the index at byte \(reader.offset)")
        }
        return index
    }

    public static func encode(_ index: any VectorIndex) throws -> Data {
        var w = ByteWriter()
        if let flat = index as? FlatIndex {
            writeFlat(flat, &w)
        } else if let hnsw = index as? HNSWIndex {
            writeHNSW(hnsw, &w)
        } else {
            throw IndexError.invalidParameter("faiss files hold FlatIndex or HNSWIndex, not \(type(of: index))")
        }
        return Data(w.bytes)
    }

    // MARK: reading

    private struct Header { var d: Int; var ntotal: Int; var metric: Metric }

    private static func readIndex(_ r: inout ByteReader) throws -> any VectorIndex {
        let code = try r.fourcc()
        switch code {
        case "IxFI", "IxF2":
            return try readFlat(&r, code: code)
        case "IHNf":
            return try readHNSW(&r)
        default:
            throw IndexError.unsupportedFormat(fourcc: code)
        }
    }

    private static func readHeader(_ r: inout ByteReader) throws -> Header {
        let d = Int(try r.scalar(Int32.self, "d"))
        let ntotal = Int(try r.scalar(Int64.self, "ntotal"))
        _ = try r.scalar(Int64.self, "dummy")
        _ = try r.scalar(Int64.self, "dummy")
        _ = try r.scalar(UInt8.self, "is_trained")
        let metricCode = try r.scalar(Int32.self, "metric_type")
        if metricCode > 1 { _ = try r.scalar(Float.self, "metric_arg") }
        guard d > 0 else { throw IndexError.corruptFile("dimension \(d)") }
        guard ntotal >= 0 else { throw IndexError.corruptFile("ntotal \(ntotal)") }
        guard let metric = Metric(rawValue: metricCode) else {
            throw IndexError.corruptFile("metric type \(metricCode) is not supported (only 0 = inner product, 1 = L2)")
        }
        return Header(d: d, ntotal: ntotal, metric: metric)
    }

    private static func readFlat(_ r: inout ByteReader, code: String) throws -> FlatIndex {
        let h = try readHeader(&r)
        let expected: Metric = code == "IxFI" ? .innerProduct : .l2
        guard h.metric == expected else { throw IndexError.corruptFile("\(code) block with metric \(h.metric)") }
        let values = try r.vector(Float.self, "flat vectors")
        guard values.count == h.d * h.ntotal else {
            throw IndexError.corruptFile("flat storage has \(values.count) floats, expected ntotal·d = \(h.ntotal)·\(h.d)")
        }
        let flat = try FlatIndex(dimension: h.d, metric: h.metric)
        do { try flat.add(values) } catch let error as IndexError {
            throw IndexError.corruptFile("stored vectors: \(error)")
        }
        return flat
    }

    private static func readHNSW(_ r: inout ByteReader) throws -> HNSWIndex {
        let h = try readHeader(&r)
        let probas = try r.vector(Double.self, "assign_probas")
        let cum = try r.vector(Int32.self, "cum_nneighbor_per_level")
        let levels = try r.vector(Int32.self, "levels")
        let offsets = try r.vector(UInt64.self, "offsets")
        let neighbors = try r.vector(Int32.self, "neighbors")
        let entry = try r.scalar(Int32.self, "entry_point")
        let maxLevel = try r.scalar(Int32.self, "max_level")
        let efC = try r.scalar(Int32.self, "efConstruction")
        let efS = try r.scalar(Int32.self, "efSearch")
        let upperBeam = try r.scalar(Int32.self, "upper_beam")
        let storageCode = try r.fourcc()
        guard storageCode == "IxFI" || storageCode == "IxF2" else {
            throw IndexError.unsupportedFormat(fourcc: storageCode)
        }
        let storage = try readFlat(&r, code: storageCode)
        guard storage.dimension == h.d, storage.count == h.ntotal, storage.metric == h.metric else {
            throw IndexError.corruptFile("HNSW header (d \(h.d), ntotal \(h.ntotal), \(h.metric)) disagrees with its storage (d \(storage.dimension), ntotal \(storage.count), \(storage.metric))")
        }
        guard cum.count >= 2, cum[1] >= 2, cum[1] % 2 == 0 else { throw IndexError.corruptFile("cum_nneighbor_per_level \(cum)") }
        guard levels.count == h.ntotal else { throw IndexError.corruptFile("\(levels.count) levels for ntotal \(h.ntotal)") }
        guard efC >= 1, efS >= 1 else { throw IndexError.corruptFile("efConstruction \(efC), efSearch \(efS)") }
        guard offsets.allSatisfy({ $0 <= UInt64(Int.max) }) else { throw IndexError.corruptFile("offset out of range") }
        let graph = HNSWGraph(m: Int(cum[1]) / 2, assignProbas: probas, cum: cum, levels: levels,
                              offsets: offsets.map { Int($0) }, neighbors: neighbors, entryPoint: entry,
                              maxLevel: maxLevel, efConstruction: Int(efC), efSearch: Int(efS), upperBeam: upperBeam)
        do { try graph.checkInvariants() } catch let IndexError.invariantViolated(message) {
            throw IndexError.corruptFile(message)
        }
        return HNSWIndex(storage: storage, graph: graph)
    }

    // MARK: writing

    private static func writeHeader(_ d: Int, _ ntotal: Int, _ metric: Metric, _ w: inout ByteWriter) {
        w.put(Int32(d)); w.put(Int64(ntotal)); w.put(dummy); w.put(dummy)
        w.put(UInt8(1)); w.put(metric.rawValue)
    }

    private static func writeFlat(_ flat: FlatIndex, _ w: inout ByteWriter) {
        w.putFourcc(flat.metric == .innerProduct ? "IxFI" : "IxF2")
        writeHeader(flat.dimension, flat.count, flat.metric, &w)
        w.putVector(flat.vectors)
    }

    private static func writeHNSW(_ index: HNSWIndex, _ w: inout ByteWriter) {
        let g = index.graph
        w.putFourcc("IHNf")
        writeHeader(index.dimension, index.count, index.metric, &w)
        w.putVector(g.assignProbas)
        w.putVector(g.cumNeighborsPerLevel)
        w.putVector(g.levels)
        w.putVector(g.offsets.map { UInt64($0) })
        w.putVector(g.neighbors)
        w.put(g.entryPoint); w.put(g.maxLevel)
        w.put(Int32(g.efConstruction)); w.put(Int32(g.efSearch)); w.put(Int32(1))
        writeFlat(index.storage, &w)
    }
}

/// Little-endian cursor over file bytes; every read checks the remaining length first.
struct ByteReader {
    let bytes: [UInt8]
    var offset = 0
    var remaining: Int { bytes.count - offset }

    mutating func take(_ n: Int, _ field: String) throws -> Range<Int> {
        guard n >= 0, n <= remaining else {
            throw IndexError.truncatedFile(field: field, offset: offset, needed: n, available: remaining)
        }
        defer { offset += n }
        return offset ..< offset + n
    }

    mutating func scalar<T: FixedWidthInteger>(_: T.Type, _ field: String) throws -> T {
        let r = try take(MemoryLayout<T>.size, field)
        return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: r.lowerBound, as: T.self)) }
    }

    mutating func scalar(_: Float.Type, _ field: String) throws -> Float {
        Float(bitPattern: try scalar(UInt32.self, field))
    }

    mutating func fourcc() throws -> String {
        let r = try take(4, "index type code")
        return String(decoding: bytes[r].map { $0 >= 32 && $0 < 127 ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }

    /// A faiss vector field: `uint64 count` then `count` elements (little-endian host assumed).
    mutating func vector<T>(_: T.Type, _ field: String) throws -> [T] {
        let n = try scalar(UInt64.self, "\(field) count")
        let size = MemoryLayout<T>.size
        guard n <= UInt64(remaining / size) else {
            throw IndexError.truncatedFile(field: field, offset: offset, needed: Int(clamping: n) &* size, available: remaining)
        }
        let r = try take(Int(n) * size, field)
        return [T](unsafeUninitializedCapacity: Int(n)) { buf, count in
            bytes.withUnsafeBytes { src in
                UnsafeMutableRawBufferPointer(buf).copyMemory(from: UnsafeRawBufferPointer(rebasing: src[r]))
            }
            count = Int(n)
        }
    }
}

struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func put<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func putFourcc(_ s: String) { bytes.append(contentsOf: Array(s.utf8)) }

    mutating func putVector<T>(_ values: [T]) {
        put(UInt64(values.count))
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }
}
