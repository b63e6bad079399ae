#!/usr/bin/env bash
# Mixed-precision benchmarks (docs/tensor.md "Mixed precision", BENCHMARKS.md "Mixed precision"): Ragtime in
# float32 and in bf16 against the PyTorch peer in float32 and under bf16 autocast, alternating pair by pair on
# the same machine, 2 threads each:
#   - KB encoding: real SQuAD passages, all-MiniLM-L6-v2, batches of 16 (RagtimeBench kb-encode / kb_encode_bench.py),
#   - the MiniLM-size RAG end-to-end training step (RagtimeBench train MiniLM / train_step_bench.py 2 MiniLM)
#     and the SQuAD experiment's end2end arm update (squad-end2end),
#   - one BERT-base layer forward and forward+backward, batch 8 x 128 (RagtimeBench tensor / tensor_layer.py).
#
#   RAGTIME_SQUAD_KB=SQUAD_DIR/squad-kb.csv RAGTIME_SQUAD_BPE=OUT/tokenizer scripts/bench/bf16_bench.sh [pairs]
#
# OUT is a scripts/squad_end2end.rag output folder (its BPE). PYTHON names the peer's interpreter (torch,
# transformers, tokenizers). OPENBLAS_CORETYPE is removed from Ragtime's environment so it picks its own kernel
# (a machine-wide setting would otherwise pin float32 to it); set RAGTIME_KEEP_CORETYPE=1 to keep it.
set -euo pipefail
cd "$(dirname "$0")/../.."
PAIRS=${1:-2}
. scripts/bench/squad_inputs.sh
bench() {
    if [ "${RAGTIME_KEEP_CORETYPE:-0}" = 1 ]; then .build/release/RagtimeBench "$@"; else env -u OPENBLAS_CORETYPE .build/release/RagtimeBench "$@"; fi
}
for pair in $(seq 1 "$PAIRS"); do
    for precision in float32 bf16; do
        echo "== pair $pair: Ragtime $precision"
        RAGTIME_BENCH_PRECISION=$precision bench kb-encode
        RAGTIME_BENCH_PRECISION=$precision RAGTIME_BENCH_CASES=BERT-base,MiniLM bench tensor
        RAGTIME_BENCH_PRECISION=$precision RAGTIME_BENCH_CASES=MiniLM,squad-end2end bench train
    done
    echo "== pair $pair: PyTorch float32 and bf16 autocast"
    "$PY" scripts/bench/kb_encode_bench.py 512
    RAGTIME_BENCH_DTYPES=float32,bfloat16 "$PY" scripts/bench/tensor_layer.py
    "$PY" scripts/bench/train_step_bench.py 2 MiniLM squad-end2end
done
