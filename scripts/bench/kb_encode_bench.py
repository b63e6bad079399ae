"""PyTorch + transformers peer of RagtimeBench's `kb-encode` suite: KB encoding throughput (passages/s) of
all-MiniLM-L6-v2 (BertModel.from_pretrained, hidden 384, 6 layers, 12 heads, ffn 1536, vocab 30522) with mean
pooling, eval mode under torch.inference_mode(), torch.set_num_threads(2), in float32 and under
torch.autocast("cpu", dtype=torch.bfloat16).

Inputs as the Swift side (squad_bench_data.py): the first N passages of the SQuAD KB file (default 512), in
Ragtime's KB order (longest first by UTF-8 length of title + text, ties in row order), batches of 16 (title, text)
pairs through the MiniLM tokenizer (transformers fast tokenizer, truncation at 512, padding to the longest in the
batch); input_ids + attention_mask (token types 0, as Ragtime's DPRPassageEncoder); vectors copied into KB order.
Timed: tokenization + encoder + pooling + copy over all N passages; median of RAGTIME_BENCH_REPS (default 3) runs
after one warm-up on the 32 longest passages.

    python scripts/bench/kb_encode_bench.py [passages] [float32|bfloat16 ...]   # default 512, both
"""
import os
import statistics
import sys
import time

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from transformers import AutoTokenizer, BertModel  # noqa: E402
from transformers.utils import logging as hf_logging  # noqa: E402

import squad_bench_data as data  # noqa: E402

NAME = "squad MiniLM 384x6 mean, batch 16"
BATCH = 16


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("RAGTIME_KB_PASSAGES", "512"))
    count = max(BATCH, count)
    dtypes = sys.argv[2:] or ["float32", "bfloat16"]
    torch.set_num_threads(2)
    hf_logging.set_verbosity_error()  # no load report (MiniLM's unused pooler) or progress bar between the rows
    hf_logging.disable_progress_bar()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print("case                                 dtype      passages   encode s (median)   passages/s")
    why = data.missing("kb", "minilm")
    if why:
        print(f"{NAME}: {why}")
        return
    reps = data.reps(3)
    ps = data.passages(count)
    folder = str(data.minilm_dir())
    tok = AutoTokenizer.from_pretrained(folder)
    model = BertModel.from_pretrained(folder, add_pooling_layer=False).eval()
    order = data.byte_length_order(ps)
    batches = [order[b:b + BATCH] for b in range(0, len(order), BATCH)]

    # Shapes (not timed): token counts of the pairs; padded positions of the batches relative to real tokens.
    pairs = tok([p[0] for p in ps], [p[1] for p in ps], truncation=True, max_length=512)
    lengths = [len(x) for x in pairs["input_ids"]]
    positions = sum(len(rows) * max(lengths[i] for i in rows) for rows in batches)
    print(f"  shapes: {len(ps)} passages, WordPiece pair tokens {data.length_summary(lengths)}, "
          f"padded positions / tokens {positions / sum(lengths):.3f}")

    def encode(batch_list, autocast):
        out = np.zeros((len(ps), model.config.hidden_size), dtype=np.float32)
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            for rows in batch_list:
                t = tok([ps[i][0] for i in rows], [ps[i][1] for i in rows], truncation=True, max_length=512,
                        padding="longest", return_tensors="pt")
                h = model(input_ids=t["input_ids"], attention_mask=t["attention_mask"]).last_hidden_state
                out[rows] = data.mean_pool(h, t["attention_mask"]).numpy()
        return out

    for dtype in dtypes:
        autocast = {"float32": False, "bfloat16": True}[dtype]
        encode(batches[:2], autocast)  # warm-up: the 32 longest passages
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            encode(batches, autocast)
            times.append(time.perf_counter() - t0)
        med = statistics.median_high(times)
        label = "float32" if not autocast else "bf16 ac"
        print(f"{NAME:<36} {label:<8} {len(ps):9d} {med:16.3f} {len(ps) / med:16.1f}   "
              f"(runs: {', '.join(f'{t:.3f}' for t in times)})", flush=True)


if __name__ == "__main__":
    main()
