/// Tokenizers: BERT WordPiece and byte-level BPE (rag-spec.md §4). Pure Swift, no tensor dependency.
public enum TokenizersModule {}
