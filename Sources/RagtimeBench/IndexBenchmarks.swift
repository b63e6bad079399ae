/// The index benchmark suite (owned by the index work; prints its own table).
func runIndexBenchmarks() throws {
    print("(index benchmarks not written yet)")
}
