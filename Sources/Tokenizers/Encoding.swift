/// One encoded sequence (or pair): `ids[i]` is a vocabulary id, `tokens[i]` its string,
/// `tokenTypeIds[i]` 0 for the first sequence and 1 for the second, `attentionMask[i]` 1 for real tokens
/// and 0 for padding. All four arrays have the same length.
public struct Encoding: Sendable, Equatable {
    public var ids: [Int]
    public var tokenTypeIds: [Int]
    public var attentionMask: [Int]
    public var tokens: [String]

    public var count: Int { ids.count }
}

/// A padded batch: `ids`, `attentionMask`, `tokenTypeIds` are [rows][length] (ragged only with `.none`).
public struct BatchEncoding: Sendable, Equatable {
    public var encodings: [Encoding]

    public var ids: [[Int]] { encodings.map(\.ids) }
    public var attentionMask: [[Int]] { encodings.map(\.attentionMask) }
    public var tokenTypeIds: [[Int]] { encodings.map(\.tokenTypeIds) }
}

/// Padding of a batch (`tokenizers` `BertProcessing`, truncation, padding): to the longest row of the call, or to a fixed length (rows already longer
/// are left as they are; combine with `maxLength` to truncate them). Padding is on the right.
public enum Padding: Sendable, Equatable {
    case none
    case longest
    case fixed(Int)
}

/// Ids of the tokenizer's special roles (nil when the tokenizer has no such token).
public struct SpecialTokenIds: Sendable, Equatable {
    public var pad: Int?
    public var unk: Int?
    public var cls: Int?
    public var sep: Int?
    public var bos: Int?
    public var eos: Int?
    public var mask: Int?

    public init(pad: Int? = nil, unk: Int? = nil, cls: Int? = nil, sep: Int? = nil, bos: Int? = nil, eos: Int? = nil, mask: Int? = nil) {
        self.pad = pad; self.unk = unk; self.cls = cls; self.sep = sep; self.bos = bos; self.eos = eos; self.mask = mask
    }
}

/// The special token strings by role, as in `special_tokens_map.json` / `tokenizer_config.json`.
public struct SpecialTokenNames: Sendable, Equatable {
    public var pad: String?
    public var unk: String?
    public var cls: String?
    public var sep: String?
    public var bos: String?
    public var eos: String?
    public var mask: String?

    public init(pad: String? = nil, unk: String? = nil, cls: String? = nil, sep: String? = nil, bos: String? = nil,
                eos: String? = nil, mask: String? = nil) {
        self.pad = pad; self.unk = unk; self.cls = cls; self.sep = sep; self.bos = bos; self.eos = eos; self.mask = mask
    }

    /// (json key, value) pairs in a fixed order.
    var entries: [(String, String)] {
        [("bos_token", bos), ("eos_token", eos), ("unk_token", unk), ("sep_token", sep), ("pad_token", pad),
         ("cls_token", cls), ("mask_token", mask)].compactMap { k, v in v.map { (k, $0) } }
    }
}
