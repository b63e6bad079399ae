import Foundation
import Tensor

/// `tensor.save(path, tensors)` / `tensor.load(path)`: a Dict of named tensors as a safetensors file (float32,
/// the format transformers and PyTorch users have on disk; other dtypes load as float32), written atomically.
extension TensorBuiltins {
    static var files: [Builtin] {
        [
            Builtin("save", [Param("path"), Param("tensors")],
                    "save(path, tensors): a Dict of name -> Tensor written as one safetensors file (float32, atomic)") { args in
                let dict = try args.dict("tensors")
                var tensors: [String: Tensor] = [:]
                for (name, value) in dict.pairs {
                    guard case .handle(let object) = value, let t = object as? Tensor else {
                        throw RuntimeError("\(args.function): tensors[\(name.debugDescription)] must be a Tensor, got \(value.typeName)")
                    }
                    tensors[name] = t
                }
                do { try SafeTensors.write(tensors, to: URL(fileURLWithPath: try args.string("path"))) } catch {
                    throw RuntimeError("\(args.function): \(error)")
                }
                return .null
            }.writingOnRankZero(),
            Builtin("load", [Param("path")],
                    "load(path) -> Dict: every tensor of a safetensors file by name (sorted), as float32 Tensors") { args in
                let path = try args.string("path")
                let tensors: [String: Tensor]
                do { tensors = try SafeTensors.read(URL(fileURLWithPath: path)) } catch {
                    throw RuntimeError("\(args.function): \(error)")
                }
                return .dict(DictRef(tensors.keys.sorted().map { ($0, .handle(tensors[$0]!)) }))
            },
            Builtin("load_npy", [Param("path")],
                    "load_npy(path) -> Tensor: a numpy .npy array (float32/float64/int32/int64, C order) as a float32 Tensor") { args in
                do { return .handle(try NumpyFile.read(URL(fileURLWithPath: try args.string("path")))) } catch let error as TensorError {
                    throw RuntimeError("\(args.function): \(error)")
                }
            },
        ]
    }
}
