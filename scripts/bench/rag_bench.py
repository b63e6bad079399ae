"""PyTorch + transformers peer of RagtimeBench's `rag` suite: seconds per forward+backward of RAG-token
end-to-end (set_context_encoder_for_training + ctx tokenizer) at batch 4, n_docs 5, source 128 (padded),
target 25, combined length 300, over the dummy KB (6 passages), fixture tokenizers (WordPiece 300, BPE 500),
random weights, dropout 0. Retrieval is an exact inner-product search in numpy over the 6 passage vectors
(a RagRetriever subclass replacing only the `datasets`/faiss lookup; tokenization, postprocess_docs and the
ctx tokenization are transformers' own code). Median of N runs after one warm-up.

    $PYTHON scripts/bench/rag_bench.py [threads] [case-prefix ...]   # e.g. 2 tiny
"""
import os
import resource
import sys
import time
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from transformers import (  # noqa: E402
    BartConfig, BartForConditionalGeneration, BartTokenizerFast, DPRConfig, DPRContextEncoder,
    DPRContextEncoderTokenizerFast, DPRQuestionEncoder, DPRQuestionEncoderTokenizerFast, RagConfig,
    RagRetriever, RagTokenForGeneration,
)

REPO = Path(__file__).resolve().parents[2]
TOK = REPO / "test_dir/fixtures/rag/tokenizers"


def passages():
    out = []
    for line in (REPO / "test_dir/dummy-kb/my_knowledge_dataset.csv").read_text(encoding="utf-8").split("\n"):
        if not line:
            continue
        title, text = line.split("\t", 1)
        title = title.strip('"')
        words = text.split(" ")
        out += [(title, " ".join(words[i:i + 100]).strip()) for i in range(0, len(words), 100)]
    return out


class FlatRetriever(RagRetriever):
    """RagRetriever whose `retrieve` is an exact numpy inner-product search (no datasets/faiss index)."""

    def __init__(self, config, q_tok, g_tok, ctx_tok, docs, emb):  # noqa: D107 (skips RagRetriever.__init__)
        self.config, self.question_encoder_tokenizer, self.generator_tokenizer = config, q_tok, g_tok
        self.ctx_encoder_tokenizer, self.return_tokenized_docs = ctx_tok, True
        self.n_docs, self.batch_size = config.n_docs, config.retrieval_batch_size
        self.docs, self.emb = docs, emb

    def retrieve(self, q, n_docs):
        ids = np.argsort(-(q @ self.emb.T), axis=1, kind="stable")[:, :n_docs]
        dicts = [{"title": [self.docs[i][0] for i in row], "text": [self.docs[i][1] for i in row]} for row in ids]
        return self.emb[ids], ids, dicts


def build(size):
    """RagTokenForGeneration end-to-end for one size row, in train mode, with the fixed batch."""
    name, h, layers, heads, ff, d, bl, bh, bff, reps = size
    torch.manual_seed(0)
    q_tok = DPRQuestionEncoderTokenizerFast.from_pretrained(str(TOK / "dpr"))
    c_tok = DPRContextEncoderTokenizerFast.from_pretrained(str(TOK / "dpr"))
    g_tok = BartTokenizerFast.from_pretrained(str(TOK / "bart"))
    src = (REPO / "test_dir/dummy-train-data/train.source").read_text(encoding="utf-8").split("\n")[:4]
    tgt = (REPO / "test_dir/dummy-train-data/train.target").read_text(encoding="utf-8").split("\n")[:4]
    q = q_tok(src, max_length=128, padding="max_length", truncation=True, return_tensors="pt")
    labels = g_tok(tgt, max_length=25, padding="max_length", truncation=True, return_tensors="pt")["input_ids"]
    docs = passages()
    dc = DPRConfig(vocab_size=len(q_tok), hidden_size=h, num_hidden_layers=layers, num_attention_heads=heads,
                   intermediate_size=ff, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, pad_token_id=0)
    bc = BartConfig(vocab_size=len(g_tok), d_model=d, encoder_layers=bl, decoder_layers=bl,
                    encoder_attention_heads=bh, decoder_attention_heads=bh, encoder_ffn_dim=bff,
                    decoder_ffn_dim=bff, dropout=0.0, attention_dropout=0.0, activation_dropout=0.0,
                    pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2)
    qe, ctx, gen = DPRQuestionEncoder(dc), DPRContextEncoder(dc), BartForConditionalGeneration(bc)
    with torch.no_grad():
        t = c_tok([x[0] for x in docs], [x[1] for x in docs], truncation=True, padding="longest", return_tensors="pt")
        emb = ctx(t["input_ids"]).pooler_output.numpy()
    rc = RagConfig.from_question_encoder_generator_configs(dc, bc, n_docs=5, max_combined_length=300,
                                                           label_smoothing=0.1, index_name="custom")
    ret = FlatRetriever(rc, q_tok, g_tok, c_tok, docs, emb)
    model = RagTokenForGeneration(config=rc, question_encoder=qe, generator=gen, retriever=ret)
    model.set_context_encoder_for_training(ctx)
    model.train()
    return model, q, labels


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    torch.set_num_threads(threads)
    sizes = [("tiny (64x2, BART 64 2+2)", 64, 2, 2, 256, 64, 2, 2, 256, 5),
             ("MiniLM 384x6, BART 512 3+3", 384, 6, 12, 1536, 512, 3, 8, 2048, 3)]
    wanted = [a.lower() for a in sys.argv[2:]]
    sizes = [s for s in sizes if not wanted or any(s[0].lower().startswith(w) for w in wanted)]
    print(f"torch {torch.__version__}, {threads} threads")
    print("case                              fwd+bwd s (median)   loss")
    for size in sizes:
        name, reps = size[0], size[-1]
        model, q, labels = build(size)

        def step():
            out = model(input_ids=q["input_ids"], attention_mask=q["attention_mask"], labels=labels,
                        reduce_loss=True, use_cache=False)
            out.loss.backward()
            model.zero_grad(set_to_none=True)
            return out.loss.item()

        med, loss, _ = timed(step, reps)
        print(f"{name:33s} {med:12.3f} {loss:14.3f}")


def timed(step, reps):
    """One warm-up call, then `reps` timed calls: (median seconds, last loss, peak RSS MB)."""
    loss = step()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        loss = step()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2], loss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
