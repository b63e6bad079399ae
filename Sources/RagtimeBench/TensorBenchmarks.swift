/// The tensor benchmark suite (owned by the tensor work; prints its own table).
func runTensorBenchmarks() throws {
    print("(tensor benchmarks not written yet)")
}
