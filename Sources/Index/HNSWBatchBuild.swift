import Support

/// The HNSW build of faiss-cpu 1.15 (PyPI), whose `IndexHNSW::add` inserts each level bucket in
/// prefix-doubling batches (ParlayANN-style) so that the graph does not depend on the thread count:
///
/// * batches within a bucket grow 1, 1, 2, 4, … up to θ = max(1, ⌊0.02 · ntotal⌋) points;
/// * phase A: every point of the batch searches the graph as it was before the batch (no point of the
///   batch is reachable yet), keeps ≤ slots neighbours per level with the heuristic, writes them into its
///   own lists farthest first, and records the reverse edges;
/// * phase B: for each (node, level) receiving edges, the new sources (ascending id, deduplicated,
///   without already-present ids) are appended; if that overflows the slots, all candidates are sorted
///   by (distance, id), pruned with the heuristic to ⌊slots − 0.2 · slots⌋ (`prune_headroom`) and
///   written back nearest first.
/// Phase A writes only the batch points' own lists and phase B only each receiving node's list, so
/// both phases run in parallel without locks and the result is the same for any thread count.
extension HNSWKernel {
    /// Phase A for `pt` (level `ptLevel`); returns its reverse edges as (destination, level).
    func computeForwardLinks(_ pt: Int32, level ptLevel: Int, entry: Int32, maxLevel: Int, efConstruction: Int,
                             visited: inout VisitedTable, edges: inout [UInt64]) {
        let q = vector(pt)
        var nearest = entry
        var dNearest = dis(q, nearest)
        var level = maxLevel
        while level > ptLevel {
            greedyUpdate(q, level: level, nearest: &nearest, dNearest: &dNearest)
            level -= 1
        }
        while level >= 0 {
            let found = searchNeighborsToAdd(q, entry: nearest, dEntry: dNearest, level: level,
                                             efConstruction: efConstruction, visited: &visited)
            let (b, e) = range(pt, level)
            var targets = found.count >= e - b ? shrink(sortedAscending(found), maxSize: e - b) : found
            targets.sort { $0.d > $1.d || ($0.d == $1.d && $0.id > $1.id) }
            var i = b
            for t in targets where t.id != pt {
                neighbors[i] = t.id
                i += 1
                edges.append(Self.edgeKey(dest: t.id, level: level, src: pt))
            }
            while i < e { neighbors[i] = -1; i += 1 }
            level -= 1
        }
    }

    /// Reverse edges sort by (destination, level, source) as one 64-bit key.
    @inline(__always) static func edgeKey(dest: Int32, level: Int, src: Int32) -> UInt64 {
        UInt64(UInt32(dest)) << 36 | UInt64(level) << 31 | UInt64(UInt32(src))
    }

    /// Phase B for one (node, level): `incoming` ascending and unique.
    func mergeReverseLinks(node: Int32, level: Int, incoming: ArraySlice<UInt64>, headroom: Float) {
        let (b, e) = range(node, level)
        let slots = e - b
        var cands: [Int32] = []
        cands.reserveCapacity(slots + incoming.count)
        var s = b
        while s < e && neighbors[s] >= 0 { cands.append(neighbors[s]); s += 1 }
        let existing = cands.count
        for key in incoming {
            let v = Int32(truncatingIfNeeded: key & 0x7FFF_FFFF)
            if v == node || cands[0 ..< existing].contains(v) { continue }
            cands.append(v)
        }
        if cands.count <= slots {
            var i = b
            for v in cands { neighbors[i] = v; i += 1 }
            while i < e { neighbors[i] = -1; i += 1 }
            return
        }
        let x = vector(node)
        let arr = sortedAscending(cands.map { (Distances.hnsw(metric, x, vector($0), d), $0) })
        let pruned = max(1, Int(Float(slots) - Float(slots) * headroom))
        let kept = shrink(arr, maxSize: pruned)
        var i = b
        for k in kept { neighbors[i] = k.id; i += 1 }
        while i < e { neighbors[i] = -1; i += 1 }
    }
}

extension HNSWIndex {
    /// faiss-cpu 1.15 `add` over the bucketed, shuffled insertion `order` (see the extension above).
    static func batchBuild(kernel: HNSWKernel, order: inout [Int32], histogram: [Int], n: Int, total: Int,
                           efConstruction efC: Int, threads: Int,
                           entry: inout Int32, maxLevel: inout Int, shuffle: inout MersenneTwister) {
        let theta = max(1, Int(0.02 * Double(total)))
        let headroom = HNSWBuildRules.faissCurrent.pruneHeadroom
        var i1 = n
        for level in stride(from: histogram.count - 1, through: 0, by: -1) {
            let i0 = i1 - histogram[level]
            if i0 == i1 { continue }
            for j in i0 ..< i1 { order.swapAt(j, j + shuffle.nextInt(below: i1 - j)) }
            var raise = false
            if entry == -1 {
                maxLevel = level
                entry = order[i0]
            } else if level > maxLevel {
                raise = true
            }
            var s = i0
            while s < i1 {
                let grow = min(s == i0 ? 1 : s - i0, theta)
                let e = min(i1, s + grow)
                // Phase A.
                let batch = Array(order[s ..< e])
                let ep = entry, ml = maxLevel
                let parts = batch.count > 100 && threads > 1 ? threads : 1
                var edgeParts = [[UInt64]](repeating: [], count: parts)
                edgeParts.withUnsafeMutableBufferPointer { buf in
                    let out = SharedPointer(base: buf.baseAddress!)
                    ParallelFor.chunks(parts, threads: parts) { range in
                        for p in range {
                            var vt = VisitedTable(count: total)
                            var edges: [UInt64] = []
                            let lo = batch.count * p / parts, hi = batch.count * (p + 1) / parts
                            for pt in batch[lo ..< hi] {
                                kernel.computeForwardLinks(pt, level: level, entry: ep, maxLevel: ml, efConstruction: efC,
                                                           visited: &vt, edges: &edges)
                            }
                            out.base[p] = edges
                        }
                    }
                }
                // Phase B: group by (destination, level), sources ascending and unique.
                var edges = edgeParts.flatMap { $0 }
                edges.sort()
                var groups: [Range<Int>] = []
                var g = 0
                while g < edges.count {
                    var h = g + 1
                    while h < edges.count && edges[h] >> 31 == edges[g] >> 31 { h += 1 }
                    groups.append(g ..< h)
                    g = h
                }
                let sortedEdges = edges, groupRanges = groups
                let mergeThreads = edges.count > 100 ? threads : 1
                ParallelFor.chunks(groupRanges.count, threads: mergeThreads) { chunk in
                    for gi in chunk {
                        // A source links a destination at most once per level, so the group is already unique.
                        let r = groupRanges[gi]
                        let incoming = sortedEdges[r]
                        let dest = Int32(truncatingIfNeeded: sortedEdges[r.lowerBound] >> 36)
                        let lvl = Int((sortedEdges[r.lowerBound] >> 31) & 0x1F)
                        kernel.mergeReverseLinks(node: dest, level: lvl, incoming: incoming, headroom: headroom)
                    }
                }
                s = e
                if raise {
                    maxLevel = level
                    entry = order[i0]
                    raise = false
                }
            }
            i1 = i0
        }
    }
}
