#!/usr/bin/env bash
# The SQuAD-shaped benchmarks of the SQuAD experiment, Ragtime and the PyTorch + transformers peer alternating on
# the same machine (one pair after the other, so drift hits both sides alike):
#   - KB encoding of real SQuAD passages with all-MiniLM-L6-v2 (RagtimeBench kb-encode / kb_encode_bench.py:
#     float32 and bf16 autocast),
#   - one training update of each arm at the experiment's shapes (RagtimeBench train, cases squad-* /
#     train_step_bench.py 2 squad: float32 and bf16 autocast).
#
#   RAGTIME_SQUAD_KB=SQUAD_DIR/squad-kb.csv RAGTIME_SQUAD_BPE=OUT/tokenizer scripts/bench/squad_bench.sh [pairs]
#
# OUT is a scripts/squad_end2end.rag output folder (its 8,000-id BPE). PYTHON names the peer's interpreter (a
# virtual environment with torch, transformers and tokenizers). Pairs default to 3.
set -euo pipefail
cd "$(dirname "$0")/../.."
PAIRS=${1:-3}
. scripts/bench/squad_inputs.sh
for pair in $(seq 1 "$PAIRS"); do
    echo "== pair $pair: KB encoding"
    .build/release/RagtimeBench kb-encode
    "$PY" scripts/bench/kb_encode_bench.py 512
    echo "== pair $pair: training updates"
    RAGTIME_BENCH_CASES=squad .build/release/RagtimeBench train
    "$PY" scripts/bench/train_step_bench.py 2 squad
done
