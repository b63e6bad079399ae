/// Structural invariants of an HNSW graph: what a graph faiss writes always satisfies (levels, offsets and
/// neighbour slots consistent, every neighbour a valid id on its level), checked after builds and reads.
extension HNSWGraph {
    /// Throws `IndexError.invariantViolated` naming the first broken invariant:
    /// level table shape (`cum = [0, 2M, 3M, …]`), every node's level in range and its slot count
    /// `cum[levels[i]]`, neighbour ids in `[0, count)`, lists packed at the front of their slots,
    /// no self-loops or duplicates, each neighbour present at that level, degree ≤ 2M at level 0 and
    /// ≤ M above, and the entry point on the top level (`levels[entry] == maxLevel + 1 == max(levels)`).
    public func checkInvariants() throws {
        func fail(_ message: String) -> IndexError { IndexError.invariantViolated(message) }
        let n = levels.count
        let nLevels = cumNeighborsPerLevel.count - 1
        guard nLevels >= 1, cumNeighborsPerLevel[0] == 0 else { throw fail("cum_nneighbor_per_level must start with 0 and have a level") }
        guard assignProbas.count == nLevels else {
            throw fail("\(assignProbas.count) level probabilities for \(nLevels) levels")
        }
        for l in 0 ..< nLevels {
            let width = Int(cumNeighborsPerLevel[l + 1] - cumNeighborsPerLevel[l])
            let expected = l == 0 ? 2 * m : m
            if width != expected { throw fail("level \(l) has \(width) slots per node, expected \(expected) (M = \(m))") }
        }
        guard offsets.count == n + 1, offsets[0] == 0 else { throw fail("offsets has \(offsets.count) entries for \(n) nodes") }
        var top = -1
        for i in 0 ..< n {
            let lp1 = Int(levels[i])
            guard lp1 >= 1 && lp1 <= nLevels else { throw fail("node \(i) has level \(lp1 - 1) outside 0..<\(nLevels)") }
            top = max(top, lp1 - 1)
            let width = offsets[i + 1] - offsets[i]
            guard width == Int(cumNeighborsPerLevel[lp1]) else {
                throw fail("node \(i) owns \(width) slots, expected \(cumNeighborsPerLevel[lp1]) for level \(lp1 - 1)")
            }
        }
        guard neighbors.count == offsets[n] else { throw fail("neighbors has \(neighbors.count) slots, offsets say \(offsets[n])") }
        for i in 0 ..< n {
            for level in 0 ..< Int(levels[i]) {
                var seen = Set<Int32>()
                var ended = false
                for s in neighborRange(of: i, level: level) {
                    let v = neighbors[s]
                    if v == -1 { ended = true; continue }
                    if ended { throw fail("node \(i) level \(level): id \(v) after an empty slot (list not packed)") }
                    guard v >= 0 && Int(v) < n else { throw fail("node \(i) level \(level): neighbour \(v) outside 0..<\(n)") }
                    if Int(v) == i { throw fail("node \(i) level \(level): self-loop") }
                    if !seen.insert(v).inserted { throw fail("node \(i) level \(level): duplicate neighbour \(v)") }
                    if Int(levels[Int(v)]) - 1 < level {
                        throw fail("node \(i) level \(level): neighbour \(v) only exists up to level \(levels[Int(v)] - 1)")
                    }
                }
            }
        }
        if n == 0 {
            guard entryPoint == -1 && maxLevel == -1 else { throw fail("empty graph with entry point \(entryPoint)") }
            return
        }
        guard entryPoint >= 0 && Int(entryPoint) < n else { throw fail("entry point \(entryPoint) outside 0..<\(n)") }
        guard Int(maxLevel) == top else { throw fail("max_level \(maxLevel) but the highest node level is \(top)") }
        guard Int(levels[Int(entryPoint)]) - 1 == Int(maxLevel) else {
            throw fail("entry point \(entryPoint) has level \(levels[Int(entryPoint)] - 1), not the top level \(maxLevel)")
        }
    }
}
