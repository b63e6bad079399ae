"""PyTorch + transformers peer of RagtimeBench's `train` suite (issue 8): seconds per end-to-end RAG-token
training step (forward, backward, torch.optim.AdamW over all parameters, zero grads) and the peak RSS of
each size, at tiny, MiniLM + BART-512 and BERT-base + BART-base size. Model, batch, retrieval and
tokenization as in rag_bench.py (batch 4, n_docs 5, source 128, target 25, combined length 300, dropout 0).
Each size runs in its own subprocess so ru_maxrss is that size's own peak.

    /work/venv/bin/python scripts/bench/train_step_bench.py [threads] [case-prefix ...]   # e.g. 2 tiny
"""
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

SIZES = [("tiny (64x2, BART 64 2+2)", 64, 2, 2, 256, 64, 2, 2, 256, 5),
         ("MiniLM 384x6, BART 512 3+3", 384, 6, 12, 1536, 512, 3, 8, 2048, 3),
         ("BERT-base 768x12, BART-base 6+6", 768, 12, 12, 3072, 768, 6, 12, 3072, 3)]


def run_size(threads, size):
    import torch
    from rag_bench import build  # noqa: E402 (the shared setup)

    torch.set_num_threads(threads)
    name, reps = size[0], size[-1]
    model, q, labels = build(size)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-5, weight_decay=0.001)

    def step():
        out = model(input_ids=q["input_ids"], attention_mask=q["attention_mask"], labels=labels,
                    reduce_loss=True, use_cache=False)
        out.loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return out.loss.item()

    loss = step()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        loss = step()
        times.append(time.perf_counter() - t0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{name:34s} {sorted(times)[len(times) // 2]:12.3f} {loss:12.3f} {peak_mb:12.0f}", flush=True)


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    wanted = [a.lower() for a in sys.argv[2:]]
    sizes = [s for s in SIZES if not wanted or any(s[0].lower().startswith(w) for w in wanted)]
    if os.environ.get("RAGTIME_TRAIN_CHILD") == "1":
        for s in sizes:
            run_size(threads, s)
        return
    import torch
    print(f"torch {torch.__version__}, {threads} threads")
    print("case                               step s (median)   loss      peak RSS MB")
    for s in sizes:
        prefix = s[0].split(" ")[0]
        env = dict(os.environ, RAGTIME_TRAIN_CHILD="1")
        out = subprocess.run([sys.executable, __file__, str(threads), prefix], env=env, check=True,
                             capture_output=True, text=True).stdout
        print("\n".join(line for line in out.splitlines() if line.startswith(s[0])), flush=True)


if __name__ == "__main__":
    main()
