import CZlib
import Foundation

/// gzip decompression (zlib's `inflate` with gzip framing, concatenated members accepted), for inputs
/// such as `*.json.gz`. A corrupt or truncated stream is an error naming the file; the output may not
/// grow past `limit` bytes (a guard against decompression bombs).
enum Gzip {
    /// True for data that starts with the gzip magic bytes 1f 8b.
    static func isGzip(_ data: Data) -> Bool { data.count >= 2 && data[data.startIndex] == 0x1f && data[data.startIndex + 1] == 0x8b }

    static func decompress(_ data: Data, source: String, limit: Int = 4 << 30) throws -> Data {
        var stream = z_stream()
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw RuntimeError("\(source): cannot start gzip decompression")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        var input = [UInt8](data)
        let total = input.count
        guard total <= Int(UInt32.max) else { throw RuntimeError("\(source): gzip files over 4 GiB are not read (\(total) bytes)") }
        var consumed = 0
        try input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(total)
            while true {
                let status: Int32 = buffer.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(chunk)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk - Int(stream.avail_out)
                output.append(contentsOf: buffer[0..<produced])
                guard output.count <= limit else { throw RuntimeError("\(source): decompresses to more than \(limit) bytes") }
                consumed = total - Int(stream.avail_in)
                if status == Z_STREAM_END {
                    guard consumed < total else { return }
                    // Another gzip member follows: start it with a reset stream.
                    guard inflateReset(&stream) == Z_OK else { throw RuntimeError("\(source): corrupt gzip data at byte \(consumed)") }
                    continue
                }
                if status == Z_BUF_ERROR && stream.avail_in == 0 {
                    throw RuntimeError("\(source): truncated gzip data (ends after \(total) bytes)")
                }
                guard status == Z_OK else {
                    let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                    throw RuntimeError("\(source): corrupt gzip data (\(message)) at byte \(consumed)")
                }
            }
        }
        return output
    }
}
