"""The dtypes the PyTorch peers run (one owner for tensor_layer.py and train_step_bench.py): float32 and bf16
autocast, chosen with RAGTIME_BENCH_DTYPES (a comma list, default both), and the label each result line carries."""
import os

LABELS = {"float32": "float32", "bfloat16": "bf16 ac"}  # dtype -> the label on each result line


def dtypes():
    """RAGTIME_BENCH_DTYPES as a list (default float32 and bfloat16); exits on an unknown name."""
    names = [d.strip() for d in os.environ.get("RAGTIME_BENCH_DTYPES", "float32,bfloat16").split(",") if d.strip()]
    unknown = [d for d in names if d not in LABELS]
    if unknown:
        raise SystemExit(f"RAGTIME_BENCH_DTYPES: unknown dtype(s) {', '.join(unknown)}; known: {', '.join(LABELS)}")
    return names
