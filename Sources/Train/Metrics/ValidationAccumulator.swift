import Tensor
import Tokenizers

/// The seed's per-epoch validation aggregation (rag-end2end-retriever `finetune_rag.py` validation), fed one batch at a time:
/// `{p}_avg_loss` = mean of batch losses, `{p}_avg_em` = mean of per-batch EM (a mean of means),
/// `{p}_avg_gen_time` = mean of (batch wall time / batch size), `{p}_avg_gen_len` = mean of the
/// per-batch mean padded length of the generated rows; `p` = "val" or "test".
public struct ValidationAccumulator: Sendable {
    public let prefix: String
    private var losses: [Double] = [], ems: [Double] = [], times: [Double] = [], lengths: [Double] = []

    public init(prefix: String = "val") { self.prefix = prefix }

    public var batches: Int { losses.count }

    public mutating func add(loss: Double, predictions: [String], targets: [String], seconds: Double, generatedLength: Double) throws {
        ems.append(try Evaluation.exactMatch(predictions: predictions, targets: targets))
        losses.append(loss)
        times.append(seconds / Double(predictions.count))
        lengths.append(generatedLength)
    }

    /// Keys in the seed's order (the trainer appends `step_count`).
    public func record() throws -> MetricsRecord {
        guard !losses.isEmpty else { throw TrainError.data("validation saw no batch") }
        func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }
        var r = MetricsRecord()
        r.set("\(prefix)_avg_loss", mean(losses))
        r.set("\(prefix)_avg_em", mean(ems))
        r.set("\(prefix)_avg_gen_time", mean(times))
        r.set("\(prefix)_avg_gen_len", mean(lengths))
        return r
    }

    /// `strip(batch_decode(rows, skip_special_tokens=True, clean_up_tokenization_spaces=True))` as the seed
    /// decodes both generated ids and target ids (transformers 4.x: the cleanup applies to BART too).
    public static func decode(_ ids: IntTensor, tokenizer: Tokenizer) throws -> [String] {
        guard ids.shape.count == 2 else { throw TrainError.data("decode expects [B, L] ids, got shape \(ids.shape)") }
        let width = ids.shape[1]
        return try (0..<ids.shape[0]).map { r in
            let text = try tokenizer.decode(Array(ids.scalars[(r * width)..<((r + 1) * width)]), skipSpecialTokens: true,
                                            cleanUpTokenizationSpaces: true)
            return pythonStrip(text)
        }
    }

    /// Generated rows of unequal length (each starting with the decoder start token), padded with `pad` to the
    /// longest and decoded as `decode` does; also returns that padded width (the seed's generated length).
    public static func decode(rows: [[Int]], pad: Int, tokenizer: Tokenizer) throws -> (texts: [String], width: Int) {
        let width = rows.map(\.count).max() ?? 0
        let ids = try IntTensor(shape: [rows.count, width], scalars: rows.flatMap { $0 + Array(repeating: pad, count: width - $0.count) })
        return (try decode(ids, tokenizer: tokenizer), width)
    }

    /// Python `str.strip()`: removes leading and trailing whitespace scalars.
    static func pythonStrip(_ s: String) -> String {
        var scalars = Array(s.unicodeScalars)
        while let f = scalars.first, AnswerMetrics.isPythonWhitespace(f) { scalars.removeFirst() }
        while let l = scalars.last, AnswerMetrics.isPythonWhitespace(l) { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
