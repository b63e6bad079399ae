#!/usr/bin/env bash
# Index benchmark, Ragtime and faiss-cpu in the same run on the same data.
#   scripts/bench/index_bench.sh            20k (M 32 and 128) and 100k (M 32) vectors, random and clustered
#   RAGTIME_BENCH_FULL=1 scripts/bench/...  also 100k x M 128
# Needs PYTHON: an interpreter with numpy and faiss-cpu (default python3). OPENBLAS_CORETYPE=SkylakeX makes OpenBLAS use its AVX-512 kernel
# on this CPU (docs/tensor.md); faiss's wheel bundles its own BLAS.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
"$PY" scripts/bench/faiss_bench.py data
swift build -c release --product RagtimeBench >&2
OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX} .build/release/RagtimeBench index
"$PY" scripts/bench/faiss_bench.py run
"$PY" scripts/bench/faiss_bench.py report
