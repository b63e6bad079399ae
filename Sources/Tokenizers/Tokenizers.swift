/// # Tokenizers
///
/// BERT WordPiece (DPR) and byte-level BPE (BART/RoBERTa/GPT-2) tokenizers with Hugging Face parity
/// (Hugging Face `tokenizers`; fast-tokenizer semantics). Pure Swift + Foundation, no tensor dependency.
/// Full guide: docs/tokenizers.md.
///
///     let tok = try Tokenizer.load(from: URL(fileURLWithPath: "model/"))   // tokenizer.json, vocab.txt,
///                                                                          // or vocab.json + merges.txt
///     let e = tok.encode("who wrote hamlet?", pair: passage, maxLength: 64) // [CLS] a [SEP] b [SEP]
///     e.ids; e.attentionMask; e.tokenTypeIds; e.tokens
///     let batch = try tok.encodeBatch(questions, maxLength: 32, padding: .longest)  // batch.ids: [[Int]]
///     let text = try tok.decode(e.ids, skipSpecialTokens: true)
///     try tok.save(to: dir)            // tokenizer.json + vocab files + configs (transformers loads it)
///     tok.vocabSize; tok.specialTokenIds.pad / .cls / .sep / .bos / .eos / .unk / .mask
///     let wp = try WordPieceTrainer(vocabSize: 8000).train(files: [corpus])
///     let bpe = try BPETrainer(vocabSize: 8000).train(files: [corpus])
///
/// Files: Tokenizer (encode/decode pipeline), Encoding (result types), AddedTokens, Normalizer,
/// PreTokenizer, WordPiece, ByteLevelBPE, PostProcessor (templates + truncation), Decoder,
/// TokenizerJSON / ClassicFiles / ConfigFiles (loading), TokenizerSaving (JSON from Support), Training +
/// MergeTrainer, Errors, UnicodeClasses.
public enum TokenizersModule {}
