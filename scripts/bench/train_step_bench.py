"""PyTorch + transformers peer of RagtimeBench's `train` suite: seconds per end-to-end RAG-token
training step (forward, backward, torch.optim.AdamW over all parameters, zero grads) and the peak RSS of
each size, at tiny, MiniLM + BART-512 and BERT-base + BART-base size. Model, batch, retrieval and
tokenization as in rag_bench.py (batch 4, n_docs 5, source 128, target 25, combined length 300, dropout 0);
median of the size's own repetitions (5 tiny, 3 otherwise) after one warm-up step.

Then the SQuAD-shaped cases squad-original / squad-end2end (the SQuAD experiment's two arms, updates/s; model and
batch in squad_bench_data.build_rag, same as Sources/RagtimeBench/SquadTrainBenchmarks.swift). One update =
forward + backward + AdamW step (lr 3e-5, weight decay 0.001) + zero grads; median of RAGTIME_BENCH_REPS
(default 5) updates after one warm-up update.

Every case, size and SQuAD alike, runs in float32 (label "float32") and under
torch.autocast("cpu", dtype=torch.bfloat16) (label "bf16 ac": forward under autocast; backward and AdamW outside,
fp32 parameters), each (case, dtype) in its own subprocess so ru_maxrss is that pair's own peak.
RAGTIME_BENCH_DTYPES (comma list, default float32,bfloat16) chooses the dtypes, e.g. float32 (or bfloat16) for one.

    python scripts/bench/train_step_bench.py [threads] [case-prefix ...]   # e.g. 2 tiny
    python scripts/bench/train_step_bench.py 2 squad                      # both SQuAD arms
    RAGTIME_BENCH_DTYPES=float32 python scripts/bench/train_step_bench.py 2 tiny   # float32 only
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
SIZE_HEADER = "case" + " " * 31 + "dtype    step s (median)   loss      peak RSS MB"
SQUAD_HEADER = ("case" + " " * 49 + "dtype    update s (median)  updates/s      loss  peak RSS MB")
from peer_dtypes import LABELS, dtypes  # noqa: E402 (float32 / bf16 autocast selection)


def run_size(threads, size, dtype):
    import torch
    from rag_bench import build, timed  # noqa: E402 (the shared setup and timing)

    torch.set_num_threads(threads)
    name, reps = size[0], size[-1]
    model, q, labels = build(size)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-5, weight_decay=0.001)
    autocast = dtype == "bfloat16"

    def step():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            out = model(input_ids=q["input_ids"], attention_mask=q["attention_mask"], labels=labels,
                        reduce_loss=True, use_cache=False)
        out.loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return out.loss.item()

    med, loss, peak_mb = timed(step, reps)
    print(f"{name:34s} {LABELS[dtype]:8s} {med:12.3f} {loss:12.3f} {peak_mb:12.0f}", flush=True)


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
    print(f"{name:52s} {LABELS[dtype]:8s} {med:12.3f} {1 / med:12.3f} {loss:10.3f} {peak_mb:12.0f}", flush=True)
    gen_shape, gen_lengths = shapes["generator"]
    line = (f"  shapes: questions {list(q['input_ids'].shape)}, labels {list(labels.shape)}, generator input "
            f"{list(gen_shape)} (BPE tokens {data.length_summary(gen_lengths)})")
    if end2end:
        docs = data.passages(data.BATCH * data.N_DOCS)
        t = model.retriever.ctx_encoder_tokenizer([d[0] for d in docs], [d[1] for d in docs], truncation=True,
                                                  padding="longest", return_tensors="pt")
        line += f", ctx re-encoding {list(t['input_ids'].shape)}"
    print(line + f", {len(list(model.parameters()))} parameter tensors, {reps} timed updates", flush=True)


def run_child(threads, case, dtype):
    """Runs `case` (a size or SQuAD row) in `dtype` in a subprocess and prints its result and detail lines."""
    env = dict(os.environ, RAGTIME_TRAIN_CHILD="1", RAGTIME_BENCH_DTYPE=dtype)
    out = subprocess.run([sys.executable, __file__, str(threads), case[0].split(" ")[0]], env=env, check=True,
                         capture_output=True, text=True).stdout
    print("\n".join(line for line in out.splitlines() if line.startswith(case[0]) or line.startswith("  ")),
          flush=True)


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    wanted = [a.lower() for a in sys.argv[2:]]
    sizes = [s for s in SIZES if not wanted or any(s[0].lower().startswith(w) for w in wanted)]
    squad = [c for c in SQUAD if not wanted or any(c[0].lower().startswith(w) for w in wanted)]
    if os.environ.get("RAGTIME_TRAIN_CHILD") == "1":
        dtype = os.environ.get("RAGTIME_BENCH_DTYPE", "float32")
        for s in sizes:
            run_size(threads, s, dtype)
        for c in squad:
            run_squad(threads, c, dtype)
        return
    names = dtypes()
    import torch
    print(f"torch {torch.__version__}, {threads} threads")
    if sizes:
        print(SIZE_HEADER)
    for s in sizes:
        for dtype in names:
            run_child(threads, s, dtype)
    if squad:
        print(SQUAD_HEADER)
    for c in squad:
        for dtype in names:
            run_child(threads, c, dtype)


if __name__ == "__main__":
    main()
