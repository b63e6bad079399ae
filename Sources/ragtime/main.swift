import Runtime
import Tensor

BLASKernel.selectFastKernelIfNeeded()  // may re-execute once with OPENBLAS_CORETYPE (Tensor/BLASKernel.swift)

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "--version" {
    print("ragtime \(RagtimeVersion.string) (BLAS kernel: \(BLAS.coreName), threads: \(BLAS.threadCount))")
} else {
    print("usage: ragtime --version")
}
