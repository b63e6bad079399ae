import Runtime
import Tensor

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "--version" {
    print("ragtime \(RagtimeVersion.string) (BLAS kernel: \(BLAS.coreName), threads: \(BLAS.threadCount))")
} else {
    print("usage: ragtime --version")
}
