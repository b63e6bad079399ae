/// The tokenizer benchmark suite (owned by the tokenizer work; prints its own table).
func runTokenizerBenchmarks() throws {
    print("(tokenizer benchmarks not written yet)")
}
