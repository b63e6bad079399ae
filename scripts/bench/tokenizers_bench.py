"""Peer benchmark for `swift run -c release RagtimeBench tokenizers`: Hugging Face `tokenizers` encode
throughput on the same text (first 4,000 SQuAD KB passages), single thread (one encode per passage) and
batch-parallel (encode_batch, Rayon over all cores).

    $PYTHON scripts/bench/tokenizers_bench.py
"""
import csv, os, sys, time

sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]
from tokenizers import Tokenizer  # noqa: E402
from transformers import BertTokenizerFast  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(ROOT, "test_dir", "fixtures", "tokenizers")
KB = os.environ.get("RAGTIME_SQUAD_KB") or sys.exit("set RAGTIME_SQUAD_KB to a squad-kb.csv (title<TAB>text rows)")


def median(f, repeats=3, clock=time.perf_counter):
    times = []
    for _ in range(repeats):
        t0 = clock(); f(); times.append(clock() - t0)
    return sorted(times)[len(times) // 2]


def main():
    csv.field_size_limit(1 << 30)
    with open(KB, newline="", encoding="utf-8") as f:
        passages = [row[1] for row in csv.reader(f, delimiter="\t") if len(row) >= 2][:4000]
    mb = sum(len(p.encode()) for p in passages) / 1e6
    print(f"text: {len(passages)} passages, {mb:.2f} MB; {os.cpu_count()} cores")
    minilm = BertTokenizerFast.from_pretrained(os.path.join(FIX, "minilm")).backend_tokenizer
    bpe = Tokenizer.from_file(os.path.join(FIX, "bpe", "tokenizer.json"))
    for name, tok in [("WordPiece (MiniLM vocab.txt, 30522)", minilm), ("byte-level BPE (trained, 6000)", bpe)]:
        single = median(lambda: [tok.encode(p) for p in passages])
        cpu = median(lambda: [tok.encode(p) for p in passages], clock=time.thread_time)  # this thread's CPU time
        batch = median(lambda: tok.encode_batch(passages))
        print(f"{name:38s} single thread {mb / single:6.2f} MB/s wall, {mb / cpu:6.2f} MB/s CPU   batch {mb / batch:6.2f} MB/s")


if __name__ == "__main__":
    main()
