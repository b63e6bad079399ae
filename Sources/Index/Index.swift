/// Vector indexes over plain Float matrices (rag-spec.md §7).
public enum IndexModule {}
