/// HNSW insertion as faiss 1.7.4 does it (`faiss/impl/HNSW.cpp`, `add_with_locks`; `HNSWBuildRules.faiss1_7_4`,
/// docs/index-kb.md): candidate search with efConstruction,
/// the neighbour-selection heuristic (`shrink_neighbor_list`), and bidirectional linking with pruning.
extension HNSWKernel {
    /// Inserts node `pt` (already given its slots) with level `level`, starting from `entry` at `maxLevel`.
    /// With `locks`, the node's own list is written under its lock and each back-link under the
    /// neighbour's lock (one lock held at a time, as in faiss `add_with_locks`).
    func insert(_ pt: Int32, level: Int, entry: Int32, maxLevel: Int, efConstruction: Int,
                visited: inout VisitedTable, locks: NodeLocks?) {
        let q = vector(pt)
        var nearest = entry
        var dNearest = dis(q, nearest)
        locks?.lock(Int(pt))
        var l = maxLevel
        while l > level {
            greedyUpdate(q, level: l, nearest: &nearest, dNearest: &dNearest)
            l -= 1
        }
        while l >= 0 {
            addLinks(pt, nearest: nearest, dNearest: dNearest, level: l, efConstruction: efConstruction,
                     visited: &visited, locks: locks)
            l -= 1
        }
        locks?.unlock(Int(pt))
    }

    /// faiss `add_links_starting_from` (called with `pt`'s lock held).
    private func addLinks(_ pt: Int32, nearest: Int32, dNearest: Float, level: Int, efConstruction: Int,
                          visited: inout VisitedTable, locks: NodeLocks?) {
        let q = vector(pt)
        var found = searchNeighborsToAdd(q, entry: nearest, dEntry: dNearest, level: level,
                                         efConstruction: efConstruction, visited: &visited)
        // A parallel build can expose `pt` to its own search through a concurrent back-link; never self-link.
        found.removeAll { $0.id == pt }
        let (b, e) = range(pt, level)
        let maxSize = e - b
        var targets = found
        if found.count >= maxSize { targets = shrink(sortedAscending(found), maxSize: maxSize) }
        // Farthest first (pop order of faiss's max-heap `link_targets`).
        targets.sort { $0.d > $1.d || ($0.d == $1.d && $0.id > $1.id) }
        for t in targets { addLink(from: pt, to: t.id, level: level) }
        locks?.unlock(Int(pt))
        for t in targets {
            locks?.lock(Int(t.id))
            addLink(from: t.id, to: pt, level: level)
            locks?.unlock(Int(t.id))
        }
        locks?.lock(Int(pt))
    }

    /// faiss `search_neighbors_to_add`: best-first search at `level` keeping the `efConstruction`
    /// closest nodes seen. Returns them in no particular order.
    func searchNeighborsToAdd(_ q: UnsafePointer<Float>, entry: Int32, dEntry: Float, level: Int,
                                      efConstruction: Int, visited: inout VisitedTable) -> [(d: Float, id: Int32)] {
        var results = DistanceHeap(isMax: true, capacity: efConstruction + 1)
        var candidates = DistanceHeap(isMax: false, capacity: 64)
        candidates.push(dEntry, entry)
        results.push(dEntry, entry)
        visited.set(entry)
        while !candidates.isEmpty {
            let current = candidates.top
            if current.d > results.top.d { break }
            candidates.pop()
            let (b, e) = range(current.id, level)
            var buffer = SIMD4<Int32>(), n = 0
            var s = b
            while true {
                let v: Int32 = s < e ? neighbors[s] : -1
                if v >= 0 && !visited.get(v) {
                    visited.set(v)
                    buffer[n] = v
                    n += 1
                }
                if n == 4 || (v < 0 && n > 0) {
                    let ds = dis4(q, buffer, n)
                    for j in 0 ..< n {
                        let dv = ds[j]
                        if results.count < efConstruction || results.top.d > dv {
                            results.push(dv, buffer[j])
                            candidates.push(dv, buffer[j])
                            if results.count > efConstruction { results.pop() }
                        }
                    }
                    n = 0
                }
                if v < 0 { break }
                s += 1
            }
        }
        visited.advance()
        return results.items
    }

    @inline(__always)
    func sortedAscending(_ list: [(d: Float, id: Int32)]) -> [(d: Float, id: Int32)] {
        list.sorted { $0.d < $1.d || ($0.d == $1.d && $0.id < $1.id) }
    }

    /// faiss `shrink_neighbor_list` over candidates sorted by increasing distance to the base point:
    /// keep `v1` unless a kept `v2` is closer to `v1` than the base point is; stop at `maxSize` kept.
    func shrink(_ ascending: [(d: Float, id: Int32)], maxSize: Int) -> [(d: Float, id: Int32)] {
        var kept: [(d: Float, id: Int32)] = []
        kept.reserveCapacity(maxSize)
        for v1 in ascending {
            let x1 = vector(v1.id)
            var good = true
            for v2 in kept where Distances.hnsw(metric, vector(v2.id), x1, d) < v1.d {
                good = false
                break
            }
            if good {
                kept.append(v1)
                if kept.count >= maxSize { break }
            }
        }
        return kept
    }

    /// faiss `add_link(src → dst)`: append into a free slot, or prune `{dst} ∪ current` to the slot
    /// count with the heuristic and write the survivors back farthest first.
    private func addLink(from src: Int32, to dst: Int32, level: Int) {
        let (b, e) = range(src, level)
        if b == e { return }
        if neighbors[e - 1] == -1 {
            var i = e
            while i > b {
                if neighbors[i - 1] != -1 { break }
                i -= 1
            }
            neighbors[i] = dst
            return
        }
        let xs = vector(src)
        var all: [(d: Float, id: Int32)] = [(Distances.hnsw(metric, xs, vector(dst), d), dst)]
        for s in b ..< e {
            let v = neighbors[s]
            all.append((Distances.hnsw(metric, xs, vector(v), d), v))
        }
        var kept = shrink(sortedAscending(all), maxSize: e - b)
        kept.sort { $0.d > $1.d || ($0.d == $1.d && $0.id > $1.id) }
        var i = b
        for k in kept { neighbors[i] = k.id; i += 1 }
        while i < e { neighbors[i] = -1; i += 1 }
    }
}
