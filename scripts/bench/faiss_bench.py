#!/usr/bin/env python3
"""Index benchmark data and the faiss-cpu peer figures (Ragtime's side: RagtimeBench `index`).

  scripts/bench/index_bench.sh           runs everything in one go (data, faiss, Ragtime, report)
  python scripts/bench/faiss_bench.py data      writes the data sets (once) to tmp/bench-index/ (git-ignored)
  python scripts/bench/faiss_bench.py run       faiss figures -> tmp/bench-index/faiss.json
  python scripts/bench/faiss_bench.py report [FAISS.json RAGTIME.json]   markdown table (default faiss.json ragtime.json)

Data (seeded numpy, dimension 768, float32, raw row-major files): "random" = standard normal; "clustered" =
200 standard-normal centres plus 0.35·N(0, 1) noise. Base sets of 20,000 and 100,000 rows (the 20k set is
the first 20k rows of the 100k set), 1,000 queries per kind from the same distribution.
Measured: flat (IndexFlatIP) search of the 1,000 queries at k = 5; HNSW (IndexHNSWFlat, inner product,
efConstruction 40) build time and, for each efSearch in EFS, queries/s and recall@5 against the flat result.
RAGTIME_BENCH_FULL=1 also runs 100k x M 128 (slow on 2 cores); RAGTIME_BENCH_QUICK=1 only random 20k x M 32;
RAGTIME_BENCH_MAX_N=20000 only the 20k sets.

  python scripts/bench/faiss_bench.py search [ROUNDS]   search-only figures on ONE shared graph: builds random
      20k x M 32 once with faiss (tmp/bench-index/random-20k-m32.faiss), then times single-threaded searches
      at SEARCH_EFS in CPU seconds (best of ROUNDS) -> tmp/bench-index/faiss-search.json; Ragtime's side
      (`RagtimeBench index-search`) reads the same file, so both walk the same graph
      (scripts/bench/hnsw_search_bench.sh interleaves the two).
"""
import json
import os
import sys
import time
from pathlib import Path

sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DIR = ROOT / "tmp" / "bench-index"
D, NQ, K = 768, 1000, 5
SIZES = [20_000, 100_000]
KINDS = ["random", "clustered"]
EFS = [16, 32, 64, 128, 256, 512, 1024, 2048]


def cases():
    full = os.environ.get("RAGTIME_BENCH_FULL") == "1"
    if os.environ.get("RAGTIME_BENCH_QUICK") == "1":
        yield "random", 20_000, [32]
        return
    max_n = int(os.environ.get("RAGTIME_BENCH_MAX_N", max(SIZES)))
    for kind in KINDS:
        for n in [s for s in SIZES if s <= max_n]:
            ms = [32, 128] if (n == 20_000 or full) else [32]
            yield kind, n, ms


def make_data():
    DIR.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        path = DIR / f"{kind}-base.f32"
        if path.exists():
            continue
        rng = np.random.default_rng(768 if kind == "random" else 769)
        total = max(SIZES) + NQ
        if kind == "random":
            x = rng.standard_normal((total, D), dtype=np.float32)
        else:
            centres = rng.standard_normal((200, D), dtype=np.float32)
            x = centres[rng.integers(0, 200, total)] + 0.35 * rng.standard_normal((total, D), dtype=np.float32)
        x = np.ascontiguousarray(x, dtype=np.float32)
        x[:max(SIZES)].tofile(path)
        x[max(SIZES):].tofile(DIR / f"{kind}-queries.f32")
    print(f"data in {DIR}")


def load(kind, n):
    xb = np.fromfile(DIR / f"{kind}-base.f32", dtype=np.float32, count=n * D).reshape(n, D)
    xq = np.fromfile(DIR / f"{kind}-queries.f32", dtype=np.float32).reshape(NQ, D)
    return xb, xq


def timed(fn, repeat):
    best = None
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    return best, out


def recall(ids, truth):
    return float(np.mean([len(set(a) & set(b)) / K for a, b in zip(ids, truth)]))


def run():
    import faiss
    make_data()
    results = {"faiss_version": faiss.__version__, "threads": faiss.omp_get_max_threads(), "cases": []}
    for kind, n, ms in cases():
        xb, xq = load(kind, n)
        flat = faiss.IndexFlatIP(D)
        flat.add(xb)
        t, (_, truth) = timed(lambda: flat.search(xq, K), 3)
        case = {"kind": kind, "n": n, "flat_qps": NQ / t, "hnsw": []}
        print(f"{kind} {n}: flat {NQ / t:.0f} q/s", flush=True)
        for m in ms:
            index = faiss.IndexHNSWFlat(D, m, faiss.METRIC_INNER_PRODUCT)
            t0 = time.perf_counter()
            index.add(xb)
            build = time.perf_counter() - t0
            points = []
            for ef in EFS:  # one timed run when it is slow; stop once recall 0.99 is reached
                index.hnsw.efSearch = ef
                t, (_, ids) = timed(lambda: index.search(xq, K), 1)
                if t < 0.5:
                    t = min(t, timed(lambda: index.search(xq, K), 2)[0])
                points.append({"ef": ef, "qps": NQ / t, "recall": recall(ids, truth)})
                if points[-1]["recall"] >= 0.99:
                    break
            case["hnsw"].append({"m": m, "build_s": build, "points": points})
            print(f"  M {m}: build {build:.1f} s; " + ", ".join(f"ef {p['ef']}: {p['qps']:.0f} q/s r {p['recall']:.3f}" for p in points), flush=True)
        results["cases"].append(case)
    with open(DIR / os.environ.get("RAGTIME_BENCH_OUT", "faiss.json"), "w") as f:
        json.dump(results, f, indent=1)


SEARCH_EFS = [64, 256, 512, 1024, 2048]


def shared_graph_path():
    return DIR / "random-20k-m32.faiss"


def search_only(rounds="3"):
    import faiss
    make_data()
    faiss.omp_set_num_threads(1)
    xb, xq = load("random", 20_000)
    path = shared_graph_path()
    if not path.exists():
        faiss.omp_set_num_threads(2)
        index = faiss.IndexHNSWFlat(D, 32, faiss.METRIC_INNER_PRODUCT)
        index.add(xb)
        faiss.write_index(index, str(path))
        faiss.omp_set_num_threads(1)
    index = faiss.read_index(str(path))
    points = []
    for ef in SEARCH_EFS:
        index.hnsw.efSearch = ef
        best, ids = None, None
        for _ in range(int(rounds)):
            t = time.process_time()
            _, ids = index.search(xq, K)
            dt = time.process_time() - t
            best = dt if best is None else min(best, dt)
        np.asarray(ids, dtype=np.int64).tofile(DIR / f"faiss-search-ids-ef{ef}.i64")
        points.append({"ef": ef, "cpu_ms_per_query": 1000 * best / NQ})
    print("faiss  1 thread, shared graph: " + ", ".join(f"ef {p['ef']}: {p['cpu_ms_per_query']:.3f} ms" for p in points), flush=True)
    with open(DIR / "faiss-search.json", "w") as f:
        json.dump({"faiss_version": faiss.__version__, "points": points}, f, indent=1)


def at_recall(points, target):
    for p in points:
        if p["recall"] >= target:
            return p
    return None


def report(faiss_file="faiss.json", ragtime_file="ragtime.json"):
    peers = {"faiss": json.load(open(DIR / faiss_file)), "ragtime": json.load(open(DIR / ragtime_file))}
    print(f"faiss-cpu {peers['faiss']['faiss_version']}, {peers['faiss']['threads']} threads; Ragtime: {peers['ragtime'].get('blas', '?')}\n")
    print("| data | n | measure | Ragtime | faiss | ratio (Ragtime time / faiss time) |")
    print("|---|---|---|---|---|---|")
    for rc in peers["ragtime"]["cases"]:
        fc = next(c for c in peers["faiss"]["cases"] if c["kind"] == rc["kind"] and c["n"] == rc["n"])
        print(f"| {rc['kind']} | {rc['n']} | flat search q/s | {rc['flat_qps']:.0f} | {fc['flat_qps']:.0f} | {fc['flat_qps'] / rc['flat_qps']:.2f} |")
        for rh in rc["hnsw"]:
            fh = next((h for h in fc["hnsw"] if h["m"] == rh["m"]), None)
            if fh is None:
                continue
            m = rh["m"]
            print(f"| {rc['kind']} | {rc['n']} | M {m} build s | {rh['build_s']:.1f} | {fh['build_s']:.1f} | {rh['build_s'] / fh['build_s']:.2f} |")
            for target in (0.95, 0.99):
                r, f = at_recall(rh["points"], target), at_recall(fh["points"], target)
                if r and f:
                    print(f"| {rc['kind']} | {rc['n']} | M {m} q/s at recall@5 ≥ {target} | {r['qps']:.0f} (ef {r['ef']}, {r['recall']:.3f}) | {f['qps']:.0f} (ef {f['ef']}, {f['recall']:.3f}) | {f['qps'] / r['qps']:.2f} |")
                else:
                    def show(p):
                        return f"{p['qps']:.0f} (ef {p['ef']})" if p else "not reached (ef ≤ 2048)"
                    print(f"| {rc['kind']} | {rc['n']} | M {m} q/s at recall@5 ≥ {target} | {show(r)} | {show(f)} | – |")


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "run"
    {"data": make_data, "run": run, "report": report, "search": search_only}[mode](*sys.argv[2:])
