import Foundation
import XCTest
@testable import Tensor

/// Storage blocks: 64-byte alignment, and a freed block serves the next request of the same size
/// (the property `posix_memalign` lacks in glibc before 2.38, which made the heap grow per batch).
final class StorageTests: XCTestCase {
    func testBlocksAreSixtyFourByteAligned() {
        for count in [1, 3, 16, 1000, 65_537, 1 << 20] {
            let s = Storage(count: count)
            XCTAssertEqual(Int(bitPattern: s.base) % Storage.alignment, 0, "count \(count)")
            s.base[count - 1] = 1  // the whole range is writable
        }
    }

    /// The allocation pattern of an encoder forward pass (blocks of two sizes with nested lifetimes, one
    /// small result kept per batch), all below glibc's default mmap threshold so they come from the heap.
    /// With `posix_memalign` the heap grew by about a batch's worth of blocks every batch; now it must
    /// stay flat once warm.
    func testRepeatedBatchesDoNotGrowTheHeap() throws {
        func residentKB() throws -> Int {
            let statm = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
            return Int(statm[1])! * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
        }
        // As in the executables (MemoryTuning), freed memory stays with the process: growth shows.
        XCTAssertEqual(testMallopt(-1, Int32.max), 1)       // M_TRIM_THRESHOLD
        XCTAssertEqual(testMallopt(-4, 0), 1)               // M_MMAP_MAX: every block from the heap
        defer { _ = testMallopt(-1, 128 * 1024); _ = testMallopt(-4, 65536) }  // glibc's defaults
        let a = 768 * 1024  // 3 MB blocks (MiniLM, 16 x 128 tokens); the feed-forward ones are 4x
        /// A block as an op would leave it: every page written (RSS counts touched pages only).
        func block(_ count: Int) -> Storage {
            let s = Storage(count: count)
            for i in stride(from: 0, to: count, by: 1024) { s.base[i] = 1 }
            return s
        }
        var kept: [Storage] = []
        var rss: [Int] = []
        for batch in 0..<60 {
            var h = block(a)
            for _ in 0..<6 {
                let q = block(a), k = block(a), v = block(a)
                let context = block(a)
                withExtendedLifetime((q, k, v)) {}
                let projected = block(a)
                withExtendedLifetime(context) {}
                let norm1 = block(a)
                withExtendedLifetime(projected) {}
                let inner = block(4 * a)
                let gelu = block(4 * a)
                withExtendedLifetime(inner) {}
                let out = block(a)
                withExtendedLifetime(gelu) {}
                let norm2 = block(a)
                withExtendedLifetime((out, norm1)) {}
                h = norm2
            }
            kept.append(block(16))
            withExtendedLifetime(h) {}
            if batch >= 10 { rss.append(try residentKB()) }
        }
        XCTAssertLessThan(rss.last! - rss.first!, 1024, "resident memory grew from \(rss.first!) to \(rss.last!) KB over 50 batches")
    }

    func testFreedBlockIsReusedForTheSameSize() {
        // 64 KB: below glibc's default mmap threshold, so the block comes from the heap as in the
        // executables (MemoryTuning keeps every block on the heap).
        let count = 16 * 1024
        var first: Storage? = Storage(count: count)
        let pin = Storage(count: 16)  // keeps the freed block from merging into the heap top
        let address = first!.base
        first = nil
        let second = Storage(count: count)
        XCTAssertEqual(second.base, address, "a freed block of the same size should be reused")
        withExtendedLifetime(pin) {}
    }
}

/// glibc's `mallopt` (<malloc.h>, not exported by the Glibc module).
@_silgen_name("mallopt")
private func testMallopt(_ param: Int32, _ value: Int32) -> Int32
