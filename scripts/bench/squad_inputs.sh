# Sourced by the benchmark runners that read SQuAD inputs (squad_bench.sh, bf16_bench.sh) from the repository
# root: the peer's interpreter (PYTHON, default python3) as PY, the two required inputs checked and exported,
# and a release build of RagtimeBench.
PY=${PYTHON:-python3}
: "${RAGTIME_SQUAD_KB:?set RAGTIME_SQUAD_KB to the SQuAD KB file (squad-kb.csv)}"
: "${RAGTIME_SQUAD_BPE:?set RAGTIME_SQUAD_BPE to the tokenizer folder of a SQuAD run (OUT/tokenizer)}"
export RAGTIME_SQUAD_KB RAGTIME_SQUAD_BPE
swift build -c release --product RagtimeBench >&2
