import NN

extension BartModel {
    /// Changes the generator's regularization in place, as the research project overrides `dropout`,
    /// `attention_dropout`, `encoder_layerdrop` and `decoder_layerdrop` in the config before loading the weights:
    /// the rates of its existing Dropout modules (`dropout`: embeddings and each layer's residual branches;
    /// `attention_dropout`: the attention probabilities), the layer-drop probabilities, and the config that
    /// checkpoints save. nil keeps a value; each given one must be in [0, 1). The model object, its weights, its
    /// random generator and every reference to it (a RAG model, a script handle) stay the same.
    public func setRegularization(dropout: Double? = nil, attentionDropout: Double? = nil, encoderLayerdrop: Double? = nil,
                                  decoderLayerdrop: Double? = nil) throws {
        for (name, v) in [("dropout", dropout), ("attention_dropout", attentionDropout), ("encoder_layerdrop", encoderLayerdrop),
                          ("decoder_layerdrop", decoderLayerdrop)] {
            if let v, !(v >= 0 && v < 1) { throw ModelError.config("\(name) must be in [0, 1), got \(v)") }
        }
        var c = config
        if let dropout { c.dropout = dropout }
        if let attentionDropout { c.attentionDropout = attentionDropout }
        if let encoderLayerdrop { c.encoderLayerdrop = encoderLayerdrop }
        if let decoderLayerdrop { c.decoderLayerdrop = decoderLayerdrop }
        try c.validate()
        let hidden = Float(c.dropout), attention = Float(c.attentionDropout)
        encoder.input.dropout.p = hidden
        decoder.input.dropout.p = hidden
        for layer in encoder.layers.items {
            layer.dropout.p = hidden
            layer.selfAttention.dropout.p = attention
        }
        for layer in decoder.layers.items {
            layer.dropout.p = hidden
            layer.selfAttention.dropout.p = attention
            layer.crossAttention.dropout.p = attention
        }
        encoder.layerdrop = c.encoderLayerdrop
        decoder.layerdrop = c.decoderLayerdrop
        config = c
    }
}
