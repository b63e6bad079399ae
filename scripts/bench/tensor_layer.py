"""PyTorch peer of RagtimeBench's tensor suite (same sitting, same sizes; 2 threads).

    $PYTHON scripts/bench/tensor_layer.py
    RAGTIME_BENCH_DTYPES=float32 $PYTHON scripts/bench/tensor_layer.py   # float32 only

sgemm GFLOPS at 512x768x768 and 2048x768x3072 (medians of 9 runs after a warm-up), one "bf16 matmul"
line (torch.matmul of two bfloat16 tensors, 2048x768x3072, same timing), the nine GEMM shapes of a
BERT-base layer's linears in float32 (as RagtimeBench's "gemm" case), then forward and forward+backward
of one post-norm BERT layer (HF BertLayer without dropout, exact GELU, LayerNorm eps 1e-12) at BERT-base
and MiniLM sizes, batch 8, sequence 128, medians of 5 runs after a warm-up, once per dtype:

- float32 (label "float32"): forward under torch.no_grad(), forward+backward plain fp32;
- bfloat16 (label "bf16 ac", the usual autocast recipe): fp32 parameters and input, forward under
  torch.autocast("cpu", dtype=torch.bfloat16) (forward-only timing also under torch.inference_mode()),
  backward outside autocast.

FLOPs counted as in the Swift bench (the same count for both dtypes); "% of sgemm peak" is always against
the float32 sgemm peak above. Environment:
  RAGTIME_BENCH_DTYPES  comma list of float32, bfloat16 (default float32,bfloat16); the bf16 matmul line
                        is printed when bfloat16 is in it
  RAGTIME_BENCH_RUNS    timed runs of every median (sgemm, bf16 matmul, layer; default 9 / 9 / 5; 1 for a
                        smoke run); the GEMM shapes stay best of 8
"""
import os
import statistics
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(2)
torch.manual_seed(0)

from peer_dtypes import LABELS, dtypes  # noqa: E402 (float32 / bf16 autocast selection)


def runs(default):
    """RAGTIME_BENCH_RUNS when set (>= 1), else `default`."""
    value = os.environ.get("RAGTIME_BENCH_RUNS")
    return max(1, int(value)) if value else default


def median_seconds(count, fn):
    fn()
    times = []
    for _ in range(count):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def print_layer_gemm_shapes():
    """The nine GEMMs of a BERT-base linear layer's forward (NT), input grad (NN) and weight grad (TN),
    as RagtimeBench prints them: best of 8 runs (the first one warms up), GFLOPS."""
    shapes = [(False, True, 1024, 768, 768), (False, True, 1024, 3072, 768), (False, True, 1024, 768, 3072),
              (False, False, 1024, 768, 768), (False, False, 1024, 768, 3072), (False, False, 1024, 3072, 768),
              (True, False, 768, 768, 1024), (True, False, 3072, 768, 1024), (True, False, 768, 3072, 1024)]
    total, line = 0.0, []
    for ta, tb, m, n, k in shapes:
        a = torch.randn(k, m).t() if ta else torch.randn(m, k)
        b = torch.randn(n, k).t() if tb else torch.randn(k, n)
        best = float("inf")
        for _ in range(8):
            t = time.perf_counter()
            torch.mm(a, b)
            best = min(best, time.perf_counter() - t)
        total += best
        line.append(f"{'T' if ta else 'N'}{'T' if tb else 'N'} {m}x{n}x{k} {2 * m * n * k / best / 1e9:.0f}")
    print("layer GEMMs (GFLOPS, best of 8): " + ", ".join(line) + f"; total {total * 1e3:.1f} ms")


def layer(x, mask, p, heads):
    b, t, h = x.shape
    dh = h // heads

    def heads_first(y):
        return y.view(b, t, heads, dh).permute(0, 2, 1, 3)

    q = heads_first(F.linear(x, p["q.w"], p["q.b"]))
    k = heads_first(F.linear(x, p["k.w"], p["k.b"]))
    v = heads_first(F.linear(x, p["v.w"], p["v.b"]))
    scores = q @ k.transpose(-1, -2) / dh ** 0.5 + mask
    ctx = (scores.softmax(-1) @ v).permute(0, 2, 1, 3).reshape(b, t, h)
    att = F.layer_norm(F.linear(ctx, p["o.w"], p["o.b"]) + x, (h,), p["ln1.w"], p["ln1.b"], 1e-12)
    inter = F.gelu(F.linear(att, p["i.w"], p["i.b"]))
    return F.layer_norm(F.linear(inter, p["f.w"], p["f.b"]) + att, (h,), p["ln2.w"], p["ln2.b"], 1e-12)


def main():
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    names = dtypes()
    peak = 0.0
    for m, k, n in [(512, 768, 768), (2048, 768, 3072)]:
        a, b = torch.randn(m, k), torch.randn(k, n)
        s = median_seconds(runs(9), lambda: a @ b)
        g = 2 * m * n * k / s / 1e9
        peak = max(peak, g)
        print(f"sgemm {m}x{k}x{n}: {g:.1f} GFLOPS")
    if "bfloat16" in names:
        m, k, n = 2048, 768, 3072
        a, b = torch.randn(m, k).bfloat16(), torch.randn(k, n).bfloat16()
        s = median_seconds(runs(9), lambda: torch.matmul(a, b))
        print(f"bf16 matmul {m}x{k}x{n}: {2 * m * n * k / s / 1e9:.1f} GFLOPS (torch.matmul, bfloat16 tensors)")
    print_layer_gemm_shapes()
    batch, seq = 8, 128
    for name, h, heads, inter in [("BERT-base", 768, 12, 3072), ("MiniLM", 384, 12, 1536)]:
        p = {}
        for nm in ["q", "k", "v", "o"]:
            p[nm + ".w"], p[nm + ".b"] = torch.randn(h, h) * 0.02, torch.zeros(h)
        p["i.w"], p["i.b"] = torch.randn(inter, h) * 0.02, torch.zeros(inter)
        p["f.w"], p["f.b"] = torch.randn(h, inter) * 0.02, torch.zeros(h)
        for ln in ["ln1", "ln2"]:
            p[ln + ".w"], p[ln + ".b"] = torch.ones(h), torch.zeros(h)
        for t in p.values():
            t.requires_grad_(True)
        x = torch.randn(batch, seq, h, requires_grad=True)
        mask = torch.zeros(batch, 1, 1, seq)
        mask[1::2, :, :, seq - 16:] = -10000.0
        seed = torch.randn(batch, seq, h)
        flops = 2 * batch * seq * (4 * h * h + 2 * h * inter) + 4 * batch * seq * seq * h

        for dtype in names:
            autocast = dtype == "bfloat16"

            def autocast_ctx():
                return torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast)

            def fwd():
                with torch.inference_mode() if autocast else torch.no_grad(), autocast_ctx():
                    layer(x, mask, p, heads)

            def fwd_bwd():
                with autocast_ctx():
                    out = layer(x, mask, p, heads)
                out.backward(seed.to(out.dtype))  # no-op cast unless autocast left the output in bfloat16
                for t in list(p.values()) + [x]:
                    t.grad = None

            tf, tt = median_seconds(runs(5), fwd), median_seconds(runs(5), fwd_bwd)
            print(f"{name} layer (b{batch} s{seq} h{h} i{inter}) {LABELS[dtype]}: forward {tf * 1e3:.1f} ms "
                  f"({flops / tf / 1e9:.1f} GFLOPS), forward+backward {tt * 1e3:.1f} ms ({3 * flops / tt / 1e9:.1f} "
                  f"GFLOPS, {100 * 3 * flops / tt / 1e9 / peak:.0f}% of sgemm peak {peak:.1f})", flush=True)


if __name__ == "__main__":
    main()
