/// Bounds on config counts that do not size one tensor (a layer count makes that many layers; a position
/// count is added to before allocating): checked before any weight is made, so a hostile or mistaken
/// config.json is an error, not hours of allocation or an arithmetic trap. Sizes of single tensors
/// (vocabulary x width, FFN width) are checked where the weight is allocated (`Tensor.zeros` / `randn` pass
/// every shape through the Tensor module's size guard: at most the machine's memory). docs/language.md, "Limits a script can hit".
enum ModelLimits {
    /// Layers, attention heads, token types.
    static let maxCount = 1024
    /// Learned positions.
    static let maxPositions = 1 << 20

    static func check(_ counts: [(String, Int)], positions: (String, Int)) throws {
        for (name, v) in counts where v > maxCount {
            throw ModelError.config("\(name) must be at most \(maxCount), got \(v)")
        }
        if positions.1 > maxPositions {
            throw ModelError.config("\(positions.0) must be at most \(maxPositions), got \(positions.1)")
        }
    }
}
