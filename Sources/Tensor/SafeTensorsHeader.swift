import Support

/// The safetensors header (the file format of huggingface/safetensors, README): its validation, over the strict
/// `Support.JSON` parser (duplicate keys refused, nesting of 16 at most).
/// Everything a file claims is checked before any tensor byte is read: JSON syntax, duplicate names,
/// known dtypes, shapes, offsets inside the buffer, byte counts, and exact tiling of the data buffer.

/// Why a safetensors file was rejected (or could not be written).
public struct SafeTensorsError: Error, Equatable, CustomStringConvertible, Sendable {
    public let path: String
    public let problem: String
    public var description: String { "safetensors \(path): \(problem)" }
}

/// Element types of the format; `bytes` is nil for sub-byte types this reader does not support.
public enum SafeTensorsDType: String, CaseIterable, Sendable {
    case bool = "BOOL", f4 = "F4", f6e2m3 = "F6_E2M3", f6e3m2 = "F6_E3M2", u8 = "U8", i8 = "I8"
    case f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3", f8e8m0 = "F8_E8M0", f8e4m3fnuz = "F8_E4M3FNUZ", f8e5m2fnuz = "F8_E5M2FNUZ"
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16", i32 = "I32", u32 = "U32", f32 = "F32", c64 = "C64"
    case f64 = "F64", i64 = "I64", u64 = "U64"

    /// Bits per element.
    var bits: Int {
        switch self {
        case .f4: return 4
        case .f6e2m3, .f6e3m2: return 6
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3, .f8e8m0, .f8e4m3fnuz, .f8e5m2fnuz: return 8
        case .i16, .u16, .f16, .bf16: return 16
        case .i32, .u32, .f32: return 32
        case .c64, .f64, .i64, .u64: return 64
        }
    }

    /// Converted to float32 on load.
    var isSupported: Bool {
        switch self {
        case .bool, .u8, .i8, .i16, .u16, .f16, .bf16, .i32, .u32, .f32, .f64, .i64, .u64: return true
        default: return false
        }
    }
}

struct SafeTensorsEntry {
    let name: String
    let dtype: SafeTensorsDType
    let shape: [Int]
    let begin: Int, end: Int
}

enum SafeTensorsHeader {
    /// Parses and validates the header for a data buffer of `dataLength` bytes.
    /// Returns entries sorted by offset and the metadata.
    static func parse(_ header: [UInt8], dataLength: Int, fail: (String) -> SafeTensorsError) throws
        -> (entries: [SafeTensorsEntry], metadata: [String: String]) {
        guard header.first == UInt8(ascii: "{") else { throw fail("header does not start with '{'") }
        let root: JSON
        do { root = try JSON.parse(header, maxDepth: 16, rejectDuplicateKeys: true) } catch let e as JSON.ParseError {
            throw fail("header JSON: \(e.message) at header offset \(e.offset)")
        }
        guard case let .object(members) = root else { throw fail("header is not a JSON object") }
        var metadata: [String: String] = [:]
        var entries: [SafeTensorsEntry] = []
        for (name, value) in members {
            if name == "__metadata__" {
                guard case let .object(pairs) = value else { throw fail("__metadata__ is not an object") }
                for (k, v) in pairs {
                    guard case let .string(s) = v else { throw fail("__metadata__ value for \"\(k)\" is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard case let .object(fields) = value else { throw fail("entry \"\(name)\" is not an object") }
            var dtype: SafeTensorsDType?, shape: [Int]?, offsets: [Int]?
            for (key, v) in fields {
                switch key {
                case "dtype":
                    guard case let .string(s) = v else { throw fail("\"\(name)\": dtype is not a string") }
                    guard let d = SafeTensorsDType(rawValue: s) else { throw fail("\"\(name)\": unknown dtype \(s)") }
                    dtype = d
                case "shape": shape = try integers(v, "\(name)\": shape", fail)
                case "data_offsets": offsets = try integers(v, "\(name)\": data_offsets", fail)
                default: throw fail("\"\(name)\": unknown field \"\(key)\"")
                }
            }
            guard let dtype, let shape, let offsets else { throw fail("\"\(name)\": needs dtype, shape and data_offsets") }
            guard offsets.count == 2, offsets[0] <= offsets[1] else {
                throw fail("\"\(name)\": data_offsets \(offsets) must be [begin, end] with begin <= end")
            }
            guard offsets[1] <= dataLength else {
                throw fail("\"\(name)\": data_offsets \(offsets) beyond the data buffer of \(dataLength) bytes")
            }
            var elements = 1
            for d in shape {
                let (p, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow, p <= dataLength * 8 else { throw fail("\"\(name)\": shape \(shape) too large for the file") }
                elements = p
            }
            guard (elements * dtype.bits) % 8 == 0, elements * dtype.bits / 8 == offsets[1] - offsets[0] else {
                throw fail("\"\(name)\": \(dtype.rawValue) \(shape) needs \(elements * dtype.bits / 8) bytes, data_offsets \(offsets) give \(offsets[1] - offsets[0])")
            }
            guard dtype.isSupported else { throw fail("\"\(name)\": dtype \(dtype.rawValue) is not supported") }
            entries.append(SafeTensorsEntry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1]))
        }
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor = 0
        for e in entries {
            guard e.begin == cursor else {
                throw fail(e.begin < cursor ? "\"\(e.name)\" overlaps the previous tensor (offset \(e.begin) < \(cursor))"
                                            : "gap in the data buffer before \"\(e.name)\" (offset \(e.begin), expected \(cursor))")
            }
            cursor = e.end
        }
        guard cursor == dataLength else {
            throw fail("tensors cover \(cursor) bytes but the data buffer has \(dataLength)")
        }
        return (entries, metadata)
    }

    private static func integers(_ v: JSON, _ what: String, _ fail: (String) -> SafeTensorsError) throws -> [Int] {
        guard case let .array(items) = v else { throw fail("\"\(what) is not an array") }
        return try items.map { item in
            guard case let .number(text) = item, let n = Int(text), n >= 0, !text.hasPrefix("-"),
                  text == "0" || !text.hasPrefix("0") else {
                throw fail("\"\(what) holds a value that is not a non-negative integer")
            }
            return n
        }
    }
}
