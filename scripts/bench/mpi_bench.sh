#!/usr/bin/env bash
# Open MPI benchmark (BENCHMARKS.md "Open MPI", docs/distributed.md): scripts/bench/mpi_bench.rag on the same cores as
# 1 process x 2 threads and as 2 ranks x 1 thread (mpirun -np 2), alternating launch by launch, `pairs` times;
# prints every MPI_BENCH line and the medians.
#
#   scripts/bench/mpi_bench.sh SQUAD_DIR [pairs] [passages] [updates]
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:?usage: scripts/bench/mpi_bench.sh SQUAD_DIR [pairs] [passages] [updates]}
PAIRS=${2:-3}
ARGS=(data="$DATA" passages="${3:-3000}" updates="${4:-20}" out=tmp/mpi-bench)
swift build -c release --product ragtime >&2
BIN=.build/release/ragtime
ROOT=(); [ "$(id -u)" = 0 ] && ROOT=(--allow-run-as-root)
LOG=tmp/mpi-bench.log
mkdir -p tmp && : > "$LOG"
for pair in $(seq 1 "$PAIRS"); do
    echo "== pair $pair: 1 process x 2 threads" >&2
    env -u OPENBLAS_CORETYPE RAGTIME_THREADS=2 "$BIN" run scripts/bench/mpi_bench.rag -- "${ARGS[@]}" | grep MPI_BENCH | tee -a "$LOG"
    echo "== pair $pair: 2 ranks x 1 thread" >&2
    env -u OPENBLAS_CORETYPE mpirun "${ROOT[@]}" -np 2 "$BIN" run scripts/bench/mpi_bench.rag -- "${ARGS[@]}" | grep MPI_BENCH | tee -a "$LOG"
done
# Medians per launch kind, and the ratios 2 ranks / 1 process.
"$BIN" -e '
rows = []
for line in io.read_lines("tmp/mpi-bench.log") { rows.append(json.parse(line[10:len(line)])) }
fn median(xs) {
    ys = sorted(xs)
    n = len(ys)
    if n % 2 == 1 { return ys[int((n - 1) / 2)] }
    return (ys[int(n / 2) - 1] + ys[int(n / 2)]) / 2
}
out = {}
for ranks in [1, 2] {
    mine = []
    for r in rows { if r["ranks"] == ranks { mine.append(r) } }
    m = {}
    for key in ["passages_per_second", "seconds_per_update", "allreduce_seconds_per_update", "pure_allreduce_seconds"] {
        xs = []
        for r in mine { xs.append(r[key]) }
        m[key] = median(xs)
    }
    out[str(ranks)] = m
    print("ranks {ranks} (n {len(mine)}): KB encoding {fixed(m["passages_per_second"], 1)} passages/s, {fixed(m["seconds_per_update"], 3)} s/update, allreduce {fixed(1000 * m["allreduce_seconds_per_update"], 1)} ms/update (waiting included), {fixed(1000 * m["pure_allreduce_seconds"], 1)} ms alone")
}
print("2 ranks / 1 process: encoding throughput {fixed(out["2"]["passages_per_second"] / out["1"]["passages_per_second"], 3)}x, time per update {fixed(out["2"]["seconds_per_update"] / out["1"]["seconds_per_update"], 3)}x; allreduce share of a 2-rank update {fixed(100 * out["2"]["allreduce_seconds_per_update"] / out["2"]["seconds_per_update"], 1)}%")
'
