import Foundation
import NN
import Tensor

/// The `optim` namespace (docs/train.md): the seed's AdamW (decay groups by name substring),
/// learning-rate schedules and global-norm clipping, for hand-written training loops.
///
///     ps = {"w": w, "b": b}                                   # or a list of tensors, or a model handle
///     opt = optim.adamw(ps, lr: 0.01, weight_decay: 0.001)
///     s = optim.schedule("polynomial", lr: 0.01, warmup_steps: 2, total_steps: 10)
///     loss.backward(); optim.clip_grad_norm(ps, 1.0)
///     opt.set_lr(s.lr(k)); opt.step(); opt.zero_grad()
enum OptimBuiltins {
    /// A schedule as a script value (LRSchedule is a struct) with its base learning rate.
    final class ScheduleBox {
        let schedule: LRSchedule
        init(_ schedule: LRSchedule) { self.schedule = schedule }
    }

    static var table: BuiltinTable {
        var adam = HandleType(AdamW.self, name: "AdamW", doc: "transformers' AdamW over named parameters (rag-end2end-retriever `lightning_base.py` AdamW)",
                              describe: { describe($0 as! AdamW) })  // swiftlint:disable:this force_cast
        adam.methods = [
            Builtin("step", [], "step(): one AdamW update of every parameter that has a gradient, at the current lr") { args in
                try KBBuiltins.wrap(args.function) { try args.receiver(as: AdamW.self).step() }
                return .null
            },
            Builtin("zero_grad", [], "zero_grad(): clear the gradients of all parameters") { args in
                try args.receiver(as: AdamW.self).zeroGrad()
                return .null
            },
            Builtin("set_lr", [Param("lr")], "set_lr(lr): the learning rate of the next steps (e.g. from a schedule)") { args in
                let lr = try args.double("lr")
                guard lr >= 0, lr.isFinite else { throw RuntimeError("\(args.function): lr must be a finite number >= 0, got \(lr)") }
                try args.receiver(as: AdamW.self).learningRate = lr
                return .null
            },
            Builtin("save", [Param("path")], "save(path): optimizer.safetensors (moments) + optimizer.json (steps, hyperparameters) in folder path") { args in
                let opt = try args.receiver(as: AdamW.self)
                try KBBuiltins.wrap(args.function) { try opt.save(to: URL(fileURLWithPath: try args.string("path"))) }
                return .null
            }.writingOnRankZero(),
            Builtin("load", [Param("path")], "load(path): restore a state written by save (same parameter names and shapes)") { args in
                let opt = try args.receiver(as: AdamW.self)
                try KBBuiltins.wrap(args.function) { try opt.load(from: URL(fileURLWithPath: try args.string("path"))) }
                return .null
            },
        ]
        adam.properties = [
            Property("lr", "current learning rate") { .float(try opt($0).learningRate) },
            Property("decayed", "names of the parameters with weight decay") { .list(try opt($0).decayedNames.map(Value.string)) },
            Property("undecayed", "names of the parameters without weight decay (bias, LayerNorm.weight)") {
                .list(try opt($0).undecayedNames.map(Value.string))
            },
        ]
        var sched = HandleType(ScheduleBox.self, name: "Schedule", doc: "a learning-rate schedule (rag-end2end-retriever `lightning_base.py` schedules)",
                               describe: { describe(($0 as! ScheduleBox).schedule) })  // swiftlint:disable:this force_cast
        sched.methods = [
            Builtin("factor", [Param("s")], "factor(s) -> Float: the multiplier f(s) at scheduler step s (0-based)") { args in
                .float(try args.receiver(as: ScheduleBox.self).schedule.factor(try args.int("s")))
            },
            Builtin("lr", [Param("k")], "lr(k) -> Float: the learning rate of the k-th optimizer update (k >= 1 uses f(k - 1))") { args in
                let k = try args.int("k")
                guard k >= 1 else { throw RuntimeError("\(args.function): updates are counted from 1, got \(k)") }
                let s = try args.receiver(as: ScheduleBox.self).schedule
                return .float(s.learningRate(base: s.lrInit, update: k))
            },
        ]
        sched.properties = [
            Property("kind", "schedule name") { .string(try box($0).schedule.kind.rawValue) },
            Property("warmup_steps", "W") { .int(try box($0).schedule.warmupSteps) },
            Property("total_steps", "N (a float, as the seed's total_steps())") { .float(try box($0).schedule.trainingSteps) },
        ]
        return BuiltinTable(namespaces: [NamespaceTable("optim", doc: "optimizers, learning-rate schedules, gradient clipping", functions: [
            Builtin("adamw", [Param("params"), Param("lr", default: .float(5e-5)), Param("betas", default: .list([.float(0.9), .float(0.999)])),
                              Param("eps", default: .float(1e-8)), Param("weight_decay", default: .float(0)),
                              Param("no_decay", default: .list([.string("bias"), .string("LayerNorm.weight")]))],
                    "adamw(params, lr: 5e-5, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.0, no_decay: [\"bias\", \"LayerNorm.weight\"]) -> AdamW: transformers' AdamW; names containing a no_decay entry get no weight decay") { args in
                let params = try parameters(args, "params")
                let betas = try args.list("betas").map { v -> Double in
                    switch v {
                    case .int(let n): return Double(n)
                    case .float(let x): return x
                    default: throw RuntimeError("\(args.function): betas must be two numbers")
                    }
                }
                guard betas.count == 2 else { throw RuntimeError("\(args.function): betas must be two numbers, got \(betas.count)") }
                let noDecay = try args.list("no_decay").map { v -> String in
                    guard case .string(let s) = v else { throw RuntimeError("\(args.function): no_decay must be a list of strings") }
                    return s
                }
                return .handle(try KBBuiltins.wrap(args.function) {
                    try AdamW(parameters: params, learningRate: try args.double("lr"), betas: (betas[0], betas[1]),
                              eps: try args.double("eps"), weightDecay: try args.double("weight_decay"), noDecay: noDecay)
                })
            },
            Builtin("schedule", [Param("kind"), Param("lr"), Param("warmup_steps", default: .int(0)), Param("total_steps", default: .float(0)),
                                 Param("lr_end", default: .float(1e-7)), Param("power", default: .float(1))],
                    "schedule(kind, lr: base, warmup_steps: 0, total_steps: N, lr_end: 1e-7, power: 1.0) -> Schedule: linear, polynomial, constant, constant_with_warmup, cosine or cosine_w_restarts (transformers' lambdas)") { args in
                let name = try args.string("kind")
                guard let kind = LRSchedule.Kind(rawValue: name) else {
                    throw RuntimeError("\(args.function): unknown schedule '\(name)'; one of \(LRSchedule.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return .handle(ScheduleBox(try KBBuiltins.wrap(args.function) {
                    try LRSchedule(kind: kind, warmupSteps: try args.int("warmup_steps"), trainingSteps: try args.double("total_steps"),
                                   lrInit: try args.double("lr"), lrEnd: try args.double("lr_end"), power: try args.double("power"))
                }))
            },
            Builtin("clip_grad_norm", [Param("params"), Param("max_norm")],
                    "clip_grad_norm(params, max_norm) -> Float: scale all gradients by min(1, max_norm / (norm + 1e-6)); returns the global norm before clipping") { args in
                let params = try parameters(args, "params").map(\.tensor)
                let (norm, _) = try KBBuiltins.wrap(args.function) { try GradClip.clip(params, maxNorm: try args.double("max_norm")) }
                return .float(Double(norm))
            },
            Builtin("total_steps", [Param("dataset_size"), Param("batch_size"), Param("accumulation", default: .int(1)),
                                    Param("epochs", default: .int(1)), Param("gpus", default: .int(1))],
                    "total_steps(dataset_size, batch_size, accumulation: 1, epochs: 1, gpus: 1) -> Float: the seed's N = size / (batch · accumulation · max(1, gpus)) · epochs (not rounded)") { args in
                let b = try args.int("batch_size"), k = try args.int("accumulation")
                guard b >= 1, k >= 1 else { throw RuntimeError("\(args.function): batch_size and accumulation must be >= 1") }
                return .float(Double(try args.int("dataset_size")) / Double(b * k * max(1, try args.int("gpus"))) * Double(try args.int("epochs")))
            },
        ])], handleTypes: [adam, sched])
    }

    /// Named parameters from a Dict name -> Tensor, a List of Tensors (named "0", "1", …) or a model handle.
    static func parameters(_ args: CallArgs, _ name: String) throws -> [(name: String, tensor: Tensor)] {
        let what = "\(args.function): '\(name)'"
        func tensor(_ v: Value, _ key: String) throws -> Tensor {
            guard case .handle(let o) = v, let t = o as? Tensor else {
                throw RuntimeError("\(what) entry \(key) must be a Tensor, got \(v.typeName)")
            }
            return t
        }
        switch args.value(name) {
        case .dict(let d): return try d.pairs.map { ($0.0, try tensor($0.1, "'\($0.0)'")) }
        case .list(let l): return try l.items.enumerated().map { (String($0.offset), try tensor($0.element, String($0.offset))) }
        case .handle:
            if let m = ModelSupport.module(args.value(name)) { return m.namedParameters() }
            throw RuntimeError("\(what) must be a Dict of Tensors, a List of Tensors or a model, got \(args.value(name).typeName)")
        default:
            throw RuntimeError("\(what) must be a Dict of Tensors, a List of Tensors or a model, got \(args.value(name).typeName)")
        }
    }

    static func opt(_ v: Value) throws -> AdamW {
        guard case .handle(let o) = v, let a = o as? AdamW else { throw RuntimeError("not an AdamW") }
        return a
    }

    static func box(_ v: Value) throws -> ScheduleBox {
        guard case .handle(let o) = v, let s = o as? ScheduleBox else { throw RuntimeError("not a Schedule") }
        return s
    }

    static func describe(_ a: AdamW) -> String {
        let h = a.hyperparameters
        return "AdamW(\(a.parameters.count) parameters, lr \(a.learningRate), weight_decay \(h.weightDecay), \(a.undecayedNames.count) without decay)"
    }

    static func describe(_ s: LRSchedule) -> String {
        "Schedule(\(s.kind.rawValue), lr \(s.lrInit), warmup \(s.warmupSteps), total \(s.trainingSteps))"
    }
}
