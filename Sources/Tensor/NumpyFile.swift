import Foundation

/// numpy's `.npy` files (format versions 1-3, as `numpy.save` writes them; the format is described in numpy's
/// `numpy/lib/format.py`): a magic string, a header dict `{'descr': '<f4', 'fortran_order': False, 'shape':
/// (2, 3), }`, then the raw array in C order. Read as a float32 Tensor: little-endian float32/float64 and
/// int32/int64 (`<f4 <f8 <i4 <i8`) are converted; anything else, Fortran order, or a size that does not match the
/// header is an error naming the file. Shapes go through the allocation guard first.
public enum NumpyFile {
    public static func read(_ url: URL) throws -> Tensor {
        func fail(_ reason: String) -> TensorError { .invalidArgument(op: "npy \(url.relativePath)", reason: reason) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw fail("cannot read the file") }
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw fail("not a .npy file (no \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let (headerLength, headerStart): (Int, Int)
        switch major {
        case 1: (headerLength, headerStart) = (Int(bytes[8]) | Int(bytes[9]) << 8, 10)
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default: throw fail("format version \(major) is not 1, 2 or 3")
        }
        guard headerStart + headerLength <= bytes.count else { throw fail("truncated header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        func value(_ key: String) throws -> String {
            guard let k = header.range(of: "'\(key)':") else { throw fail("the header has no '\(key)'") }
            let rest = header[k.upperBound...].drop { $0 == " " }
            if rest.hasPrefix("(") {
                guard let close = rest.firstIndex(of: ")") else { throw fail("unterminated shape") }
                return String(rest[rest.startIndex...close])
            }
            return String(rest.prefix { $0 != "," && $0 != "}" }).trimmingCharacters(in: .whitespaces)
        }
        let descr = try value("descr").trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        guard try value("fortran_order") == "False" else {
            throw fail("Fortran-order arrays are not read; save with numpy.ascontiguousarray first")
        }
        let shapeText = try value("shape").dropFirst().dropLast()
        let shape = try shapeText.split(separator: ",").map { part -> Int in
            guard let n = Int(part.trimmingCharacters(in: .whitespaces)), n >= 0 else { throw fail("bad shape (\(shapeText))") }
            return n
        }
        let count = try Shape.checkedCount(shape, op: "npy \(url.relativePath)")
        let width: Int
        switch descr {
        case "<f4", "<i4": width = 4
        case "<f8", "<i8": width = 8
        default: throw fail("dtype \(descr) is not read (little-endian float32/float64/int32/int64 are)")
        }
        let body = headerStart + headerLength
        guard bytes.count - body == count * width else {
            throw fail("the header says \(count) values of \(width) bytes, the file holds \(bytes.count - body) bytes of data")
        }
        var scalars = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress! + body
            for i in 0..<count {
                let p = base + i * width
                switch descr {
                case "<f4": scalars[i] = Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
                case "<f8": scalars[i] = Float(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))))
                case "<i4": scalars[i] = Float(Int32(littleEndian: p.loadUnaligned(as: Int32.self)))
                default: scalars[i] = Float(Int64(littleEndian: p.loadUnaligned(as: Int64.self)))
                }
            }
        }
        return try Tensor(shape: shape, scalars: scalars)
    }
}
