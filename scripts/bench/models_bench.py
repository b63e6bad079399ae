#!/usr/bin/env python3
"""PyTorch peer of RagtimeBench's `models` suite: DPR context encoder forward+backward on
16 passages x 128 tokens (train mode, loss = mean(pooled^2)) and KB encoding throughput (eval, no grad),
at MiniLM (384x6) and BERT-base (768x12) size. Same shapes and repetitions as the Swift suite.

    $PYTHON scripts/bench/models_bench.py [case-prefix ...]   # e.g. MiniLM; default: all
"""
import statistics
import sys
import time

import torch
from transformers import DPRConfig, DPRContextEncoder

SIZES = [("MiniLM (384x6)", 384, 6, 12, 1536, 5), ("BERT-base (768x12)", 768, 12, 12, 3072, 3)]
BATCH, LENGTH = 16, 128


def median(reps, body):
    body()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        body()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    torch.set_num_threads(2)
    wanted = [a.lower() for a in sys.argv[1:]]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print("case                           fwd+bwd s (median)   encode passages/s")
    g = torch.Generator().manual_seed(2)
    for name, hidden, layers, heads, ff, reps in SIZES:
        if wanted and not any(name.lower().startswith(w) for w in wanted):
            continue
        cfg = DPRConfig(hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads, intermediate_size=ff)
        torch.manual_seed(1)
        model = DPRContextEncoder._from_config(cfg)  # default attention (sdpa), as users run it
        ids = torch.randint(1000, 21000, (BATCH, LENGTH), generator=g)
        ids[:, 0] = 101
        mask = torch.ones_like(ids)

        def step():
            pooled = model(input_ids=ids, attention_mask=mask).pooler_output
            (pooled * pooled).mean().backward()
            model.zero_grad(set_to_none=True)

        def encode():
            with torch.no_grad():
                model(input_ids=ids, attention_mask=mask)

        model.train()
        s = median(reps, step)
        model.eval()
        e = median(3 * reps, encode)  # one batch is short: three times the runs for a stable median
        print(f"{name:<30} {s:10.3f} {BATCH / e:22.1f}")


if __name__ == "__main__":
    main()
