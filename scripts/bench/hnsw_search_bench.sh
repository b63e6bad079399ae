#!/usr/bin/env bash
# HNSW search-only comparison on ONE graph shared by both libraries (random 20k x 768, M 32, built once
# by faiss): single-threaded CPU ms per query at efSearch 64..2048, faiss and Ragtime interleaved
# ROUNDS times (default 3) so both see the same machine load. Ragtime also prints the fraction of
# result ids equal to faiss's on that graph. See faiss_bench.py `search` and RagtimeBench `index-search`.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
swift build -c release --product RagtimeBench >&2
for r in $(seq "${ROUNDS:-3}"); do
    echo "round $r: $(uptime)"
    "$PY" scripts/bench/faiss_bench.py search 3
    .build/release/RagtimeBench index-search | grep -v '^RagtimeBench\|^=='
done
