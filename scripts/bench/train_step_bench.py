"""PyTorch + transformers peer of RagtimeBench's `train` suite (issue 8): seconds per end-to-end RAG-token
training step (forward, backward, torch.optim.AdamW over all parameters, zero grads) and the peak RSS of
each size, at tiny, MiniLM + BART-512 and BERT-base + BART-base size. Model, batch, retrieval and
tokenization as in rag_bench.py (batch 4, n_docs 5, source 128, target 25, combined length 300, dropout 0).
Each size runs in its own subprocess so ru_maxrss is that size's own peak.

Then the SQuAD-shaped cases squad-original / squad-end2end (the SQuAD experiment's two arms, updates/s; model and
batch in squad_bench_data.build_rag, same as Sources/RagtimeBench/SquadTrainBenchmarks.swift), each in float32 and
under torch.autocast("cpu", dtype=torch.bfloat16) (forward under autocast; backward and AdamW outside, fp32
parameters), each (case, dtype) in its own subprocess. One update = forward + backward + AdamW step (lr 3e-5,
weight decay 0.001) + zero grads; median of RAGTIME_BENCH_REPS (default 5) updates after one warm-up update.
RAGTIME_BENCH_DTYPES=float32 (or bfloat16) runs one dtype only.

    python scripts/bench/train_step_bench.py [threads] [case-prefix ...]   # e.g. 2 tiny
    python scripts/bench/train_step_bench.py 2 squad                      # both SQuAD arms
"""
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

SIZES = [("tiny (64x2, BART 64 2+2)", 64, 2, 2, 256, 64, 2, 2, 256, 5),
         ("MiniLM 384x6, BART 512 3+3", 384, 6, 12, 1536, 512, 3, 8, 2048, 3),
         ("BERT-base 768x12, BART-base 6+6", 768, 12, 12, 3072, 768, 6, 12, 3072, 3)]
SQUAD = [("squad-original (MiniLM x2, BART 256 3+3, B 8, n 5)", False),
         ("squad-end2end (MiniLM x2, BART 256 3+3, B 8, n 5)", True)]
SQUAD_HEADER = ("case" + " " * 49 + "dtype    update s (median)  updates/s      loss  peak RSS MB")


def run_size(threads, size):
    import torch
    from rag_bench import build, timed  # noqa: E402 (the shared setup and timing)

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

    med, loss, peak_mb = timed(step, reps)
    print(f"{name:34s} {med:12.3f} {loss:12.3f} {peak_mb:12.0f}", flush=True)


def run_squad(threads, case, dtype):
    import torch
    import squad_bench_data as data
    from rag_bench import timed  # noqa: E402 (the shared timing)

    torch.set_num_threads(threads)
    name, end2end = case
    why = data.missing("kb", "train", "minilm", "bpe")
    if why:
        print(f"{name}: {why}", flush=True)
        return
    model, q, labels = data.build_rag(end2end)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-5, weight_decay=0.001)
    autocast = dtype == "bfloat16"
    shapes = {}

    def step():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            out = model(input_ids=q["input_ids"], attention_mask=q["attention_mask"], labels=labels,
                        reduce_loss=True, use_cache=False, output_retrieved=not shapes)
        out.loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if not shapes:
            shapes["generator"] = (tuple(out.context_input_ids.shape), out.context_attention_mask.sum(1).tolist())
        return out.loss.item()

    reps = data.reps(5)
    med, loss, peak_mb = timed(step, reps)
    label = "float32" if not autocast else "bf16 ac"
    print(f"{name:52s} {label:8s} {med:12.3f} {1 / med:12.3f} {loss:10.3f} {peak_mb:12.0f}", flush=True)
    gen_shape, gen_lengths = shapes["generator"]
    line = (f"  shapes: questions {list(q['input_ids'].shape)}, labels {list(labels.shape)}, generator input "
            f"{list(gen_shape)} (BPE tokens {data.length_summary(gen_lengths)})")
    if end2end:
        docs = data.passages(data.BATCH * data.N_DOCS)
        t = model.retriever.ctx_encoder_tokenizer([d[0] for d in docs], [d[1] for d in docs], truncation=True,
                                                  padding="longest", return_tensors="pt")
        line += f", ctx re-encoding {list(t['input_ids'].shape)}"
    print(line + f", {len(list(model.parameters()))} parameter tensors, {reps} timed updates", flush=True)


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    wanted = [a.lower() for a in sys.argv[2:]]
    sizes = [s for s in SIZES if not wanted or any(s[0].lower().startswith(w) for w in wanted)]
    squad = [c for c in SQUAD if not wanted or any(c[0].lower().startswith(w) for w in wanted)]
    if os.environ.get("RAGTIME_TRAIN_CHILD") == "1":
        for s in sizes:
            run_size(threads, s)
        for c in squad:
            run_squad(threads, c, os.environ.get("RAGTIME_BENCH_DTYPE", "float32"))
        return
    import torch
    print(f"torch {torch.__version__}, {threads} threads")
    if sizes:
        print("case                               step s (median)   loss      peak RSS MB")
    for s in sizes:
        prefix = s[0].split(" ")[0]
        env = dict(os.environ, RAGTIME_TRAIN_CHILD="1")
        out = subprocess.run([sys.executable, __file__, str(threads), prefix], env=env, check=True,
                             capture_output=True, text=True).stdout
        print("\n".join(line for line in out.splitlines() if line.startswith(s[0])), flush=True)
    if squad:
        print(SQUAD_HEADER)
    dtypes = [d for d in os.environ.get("RAGTIME_BENCH_DTYPES", "float32,bfloat16").split(",") if d]
    for c in squad:
        for dtype in dtypes:
            env = dict(os.environ, RAGTIME_TRAIN_CHILD="1", RAGTIME_BENCH_DTYPE=dtype)
            out = subprocess.run([sys.executable, __file__, str(threads), c[0].split(" ")[0]], env=env, check=True,
                                 capture_output=True, text=True).stdout
            print("\n".join(line for line in out.splitlines() if line.startswith(c[0]) or line.startswith("  ")),
                  flush=True)


if __name__ == "__main__":
    main()
